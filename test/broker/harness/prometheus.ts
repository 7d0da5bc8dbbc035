// A real Prometheus (Debian's `prometheus` package, 2.42, installed by .ci/run next to promtool;
// decision 0012): started on a free loopback port with its TSDB in a temp folder, queried over its HTTP
// API, and always torn down — by stop(), or by the process-exit hooks of
// test/cluster/harness/processes.ts if the run dies.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../cluster/harness/control-plane.ts';
import { logTail, onAbnormalExit, startComponent, stopComponents } from '../../cluster/harness/processes.ts';

/** The binary, or a reason to skip — an error under INTERLACE_REQUIRE_ALL_TIERS=1, so CI never skips. */
export function prometheusOrSkipReason(): { binary: string } | { skip: string } {
  const path = process.env.INTERLACE_PROMETHEUS ?? 'prometheus';
  const probe = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return { binary: path };
  const reason = `prometheus is missing (${path}: ${probe.error?.message ?? probe.stderr.trim()}); apt-get install prometheus`;
  if (process.env.INTERLACE_REQUIRE_ALL_TIERS === '1') throw new Error(reason);
  return { skip: `${reason}; set INTERLACE_REQUIRE_ALL_TIERS=1 to make this a failure` };
}

export interface Prometheus {
  readonly url: string;
  /** `GET /api/v1/<path>`'s `data`; throws with Prometheus's error otherwise. */
  api<T>(path: string, query?: Record<string, string>): Promise<T>;
  /** An instant query's vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

export async function startPrometheus(binary: string, configFile: string): Promise<Prometheus> {
  const root = mkdtempSync(join(tmpdir(), 'interlace-prometheus-'));
  let removed = false;
  const removeRoot = (): void => {
    if (removed) return;
    removed = true;
    rmSync(root, { recursive: true, force: true });
  };
  const unhook = onAbnormalExit(removeRoot);
  const port = await freePort();
  const component = startComponent(
    'prometheus',
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(root, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    join(root, 'prometheus.log'),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (component.exitStatus !== undefined) {
      unhook();
      const tail = logTail(component);
      removeRoot();
      throw new Error(`prometheus exited (${component.exitStatus}) while starting:\n${tail}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stopComponents([component], 0);
      throw new Error(`prometheus was not ready in 60 s:\n${logTail(component)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async <T>(path: string, query: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(query)}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    api,
    async query(expr) {
      const data = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>('query', {
        query: expr,
      });
      return data.result;
    },
    async stop() {
      await stopComponents([component], 5_000);
      unhook();
      removeRoot();
    },
  };
}

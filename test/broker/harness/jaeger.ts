// A real Jaeger (v1.75.0's `cmd/jaeger`: the OpenTelemetry-Collector-based all-in-one) as the OTLP
// receiver of the trace export tests and the pipeline bench: built once per machine by
// scripts/build-jaeger.sh (cached by version), started on free loopback ports with in-memory storage, an
// OTLP/HTTP receiver and the query HTTP API, and always torn down — by stop(), or by the process-exit
// hooks of test/cluster/harness/processes.ts if the run dies.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { logTail, onAbnormalExit, startComponent, stopComponents } from '../../cluster/harness/processes.ts';

const BUILD_SCRIPT = join(resolve(import.meta.dirname, '../../..'), 'scripts/build-jaeger.sh');

/** The binary could not be built because Go is missing (build script exit 3): skippable, except in CI. */
class JaegerUnavailable extends Error {
  override readonly name = 'JaegerUnavailable';
}

/** Builds (or finds in the cache) jaeger and returns its path; `{ print: true }` builds nothing. */
export async function ensureJaegerBinary(options: { print?: boolean } = {}): Promise<string> {
  const child = spawn('bash', [BUILD_SCRIPT, ...(options.print ? ['--print'] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c) => res(c));
  });
  if (code === 3)
    throw new JaegerUnavailable('jaeger cannot be built: the Go toolchain is missing or too old (see the build-jaeger message above)');
  if (code !== 0) throw new Error(`scripts/build-jaeger.sh failed with exit code ${String(code)} (its output is above)`);
  const path = stdout.trim().split('\n').pop();
  if (!path) throw new Error('scripts/build-jaeger.sh printed no path');
  return path;
}

/** The skip rule of the server-backed tiers: the binary, or a reason to skip — unless INTERLACE_REQUIRE_ALL_TIERS=1 (CI). */
export async function jaegerOrSkipReason(): Promise<{ binary: string } | { skip: string }> {
  try {
    return { binary: await ensureJaegerBinary() };
  } catch (error) {
    if (error instanceof JaegerUnavailable && process.env.INTERLACE_REQUIRE_ALL_TIERS !== '1')
      return { skip: `${error.message}; set INTERLACE_REQUIRE_ALL_TIERS=1 to make this a failure` };
    throw error;
  }
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface Jaeger {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  readonly otlpEndpoint: string;
  /** The query service (`/api/traces`, `/api/services`). */
  readonly queryUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts jaeger with every listener on a free loopback port: OTLP/HTTP (gRPC off), the query HTTP and
 * gRPC APIs, the health check; memory storage; its own metrics off (no fixed port 8888).
 */
export async function startJaeger(binary: string): Promise<Jaeger> {
  const root = mkdtempSync(join(tmpdir(), 'interlace-jaeger-'));
  const [otlp, queryHttp, queryGrpc, health] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const config = join(root, 'config.yaml');
  writeFileSync(
    config,
    `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${health}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${queryHttp}
    grpc:
      endpoint: 127.0.0.1:${queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`,
  );
  let removed = false;
  const removeRoot = (): void => {
    if (removed) return;
    removed = true;
    rmSync(root, { recursive: true, force: true });
  };
  const unhook = onAbnormalExit(removeRoot);
  const component = startComponent('jaeger', binary, ['--config', config], join(root, 'jaeger.log'));
  const queryUrl = `http://127.0.0.1:${queryHttp}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (component.exitStatus !== undefined) {
      unhook();
      removeRoot();
      throw new Error(`jaeger exited (${component.exitStatus}) while starting:\n${logTail(component)}`);
    }
    try {
      const res = await fetch(`${queryUrl}/api/services`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopComponents([component], 0);
      throw new Error(`jaeger's query API did not answer in 60 s:\n${logTail(component)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    otlpEndpoint: `http://127.0.0.1:${otlp}`,
    queryUrl,
    async stop() {
      await stopComponents([component], 5_000);
      unhook();
      removeRoot();
    },
  };
}

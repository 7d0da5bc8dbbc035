// Shared by the reconcile-*.test.ts files: a Git repository of specs in a temp folder (served by
// file:// URL), the Interlace CRDs installed once, an Estate pointing at the repository, and a
// reconciler wired to the real API server with a request counter.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeRest, RequestCounter } from '../../controller/apply/index.ts';
import type { Change, LiveObject } from '../../controller/apply/index.ts';
import { EstateReconciler } from '../../controller/reconcile/reconcile-estate.ts';
import type { ReconcileResult, ReconcilerOptions } from '../../controller/reconcile/reconcile-estate.ts';
import type { TargetNamespaceRule } from '../../controller/reconcile/target-namespaces.ts';
import { GitSourceCache } from '../../language/source/git-source.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { kubeConfig, kubectl } from './harness/context.ts';

export const FIXTURE = new URL('../fixtures/plan-estate/', import.meta.url);
export const WORKER_IMAGE = 'registry.invalid/interlace/worker:test';
/** The image our kwok stage (test/cluster/harness/kwok-crashloop-stage.yaml) crash-loops. */
export const CRASHLOOP_IMAGE = 'registry.invalid/interlace/crashloop:test';

/** The small estate of test/fixtures/plan-estate (contracts, a mapping, a route, an API), under specs/. */
export function fixtureFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of ['contracts.yaml', 'mapping.yaml', 'route-api.yaml'])
    files[`specs/${name}`] = readFileSync(new URL(name, FIXTURE), 'utf8');
  for (const name of readdirSync(new URL('fixtures/', FIXTURE)))
    files[`specs/fixtures/${name}`] = readFileSync(new URL(`fixtures/${name}`, FIXTURE), 'utf8');
  return files;
}

export function specRepo(): TempRepo {
  const repo = new TempRepo();
  repo.write(fixtureFiles());
  repo.commit('estate');
  return repo;
}

/**
 * kubectl with its own discovery cache: kubectl caches the API's resource list per server for hours,
 * and a list read before the CRDs were installed does not know the `interlace` category.
 */
const discoveryCache = mkdtempSync(join(tmpdir(), 'interlace-kubectl-cache-'));
export function kubectlFresh(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return kubectl(['--cache-dir', discoveryCache, ...args]);
}

let crdsInstalled = false;
/** Installs the CRDs from charts/interlace/crds once per run (they are cluster-scoped and shared), as the Helm chart would. */
export async function installCrds(): Promise<void> {
  if (crdsInstalled) return;
  await kubectl([
    'apply',
    '--server-side',
    '--field-manager=helm',
    '-f',
    new URL('../../charts/interlace/crds/', import.meta.url).pathname,
  ]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd', '-l', 'app.kubernetes.io/part-of=interlace']);
  crdsInstalled = true;
}

export function estateManifest(namespace: string, url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'interlace.dev/v1alpha1',
    kind: 'Estate',
    metadata: { name: 'shop', namespace },
    spec: { source: { url, ref: { branch: 'main' }, path: 'specs', interval: '1m' }, runtimeImage: WORKER_IMAGE, ...extra },
  };
}

export async function createEstate(rest: KubeRest, namespace: string, url: string, extra: Record<string, unknown> = {}): Promise<void> {
  await rest.create(estateManifest(namespace, url, extra) as never);
}

export interface Harness {
  rest: KubeRest;
  counter: RequestCounter;
  reconciler: EstateReconciler;
  cacheDir: string;
  cleanup: () => void;
}

/** The backbone the kwok tests plan with (nothing listens there: kwok pods never start a container). */
export const TEST_NATS_URL = 'nats://nats.interlace-test.svc:4222';

/**
 * A Policy that lowers `removal-needs-sunset` to info. The gate compares a revision with the applied
 * one, where removing a major that was never deprecated is an error; tests about pruning remove an
 * Api in one commit and carry this Policy with the removal.
 */
export const REMOVALS_ALLOWED_POLICY =
  'apiVersion: interlace.dev/v1alpha1\nkind: Policy\nmetadata: { name: removals-allowed }\nspec:\n  owner: team-o2c\n  rules:\n    - { id: removal-needs-sunset, severity: info }\n';

export function newReconciler(
  options: {
    installCrds?: boolean;
    allowLocal?: boolean;
    gate?: ReconcilerOptions['gate'];
    allowedTargetNamespaces?: TargetNamespaceRule[];
    deadLetters?: ReconcilerOptions['deadLetters'];
    workflowExecutions?: ReconcilerOptions['workflowExecutions'];
  } = {},
): Harness {
  const counter = new RequestCounter();
  const rest = new KubeRest(kubeConfig(), { counter });
  const cacheDir = mkdtempSync(join(tmpdir(), 'interlace-git-cache-'));
  const reconciler = new EstateReconciler({
    rest,
    // file:// sources are refused by default (finding 14); these tests serve the specs from a temp repository.
    source: new GitSourceCache({ cacheDir, allowLocal: options.allowLocal ?? true }),
    ...(options.gate ? { gate: options.gate } : {}),
    ...(options.allowedTargetNamespaces ? { allowedTargetNamespaces: options.allowedTargetNamespaces } : {}),
    ...(options.deadLetters ? { deadLetters: options.deadLetters } : {}),
    ...(options.workflowExecutions ? { workflowExecutions: options.workflowExecutions } : {}),
    defaultRuntimeImage: WORKER_IMAGE,
    // kwok runs no containers: the workers never dial it, but an estate with routes needs a backbone to be planned.
    defaultBackbone: { url: TEST_NATS_URL },
    support: supportSources(),
    installCrds: options.installCrds ?? false,
    progressRequeueMs: 250,
  });
  return { rest, counter, reconciler, cacheDir, cleanup: () => rmSync(cacheDir, { recursive: true, force: true }) };
}

let support: Map<string, string> | undefined;
export function supportSources(): Map<string, string> {
  support ??= readSupportSources();
  return support;
}

/** Reconciles until the result is no longer `waiting` (a rollout in progress), like the work queue would. */
export async function reconcileUntilSettled(
  h: Harness,
  namespace: string,
  timeoutMs = 45_000,
): Promise<ReconcileResult & { allChanges: Change[] }> {
  const deadline = Date.now() + timeoutMs;
  const allChanges: Change[] = [];
  for (;;) {
    const result = await h.reconciler.reconcile({ namespace, name: 'shop' });
    // What changed in any round (later rounds of a rollout usually find everything unchanged).
    for (const c of result.changes ?? []) if (c.action !== 'unchanged' || !allChanges.some((a) => a.key === c.key)) allChanges.push(c);
    if (result.result !== 'waiting')
      return {
        ...result,
        allChanges: allChanges.filter(
          (c) => c.action !== 'unchanged' || !allChanges.some((a) => a.key === c.key && a.action !== 'unchanged'),
        ),
      };
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, result.requeueAfterMs));
  }
}

export async function estate(h: Harness, namespace: string): Promise<LiveObject> {
  return h.rest.get({ apiVersion: 'interlace.dev/v1alpha1', kind: 'Estate', namespace, name: 'shop' });
}

/** Polls `probe` until it returns a value. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** `kubectl get <what> -o wide`-style table parsed into rows of column → value. */
export function parseTable(stdout: string): Record<string, string>[] {
  const lines = stdout.trimEnd().split('\n');
  const header = lines[0] ?? '';
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g;
  const names: string[] = [];
  for (const m of header.matchAll(/(\S+)/g)) {
    starts.push(m.index!);
    names.push(m[1]!);
  }
  void re;
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    names.forEach((name, i) => {
      row[name] = line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    });
    return row;
  });
}

/** A controller running as its own process (`interlace controller`), the way a Deployment runs it. */
export interface ControllerProcess {
  child: import('node:child_process').ChildProcess;
  metrics: string;
  webhook: string;
  logs: () => string;
  /** The value of one Prometheus sample, summed over label sets that contain `labels`. */
  metric: (name: string, labels?: Record<string, string>) => Promise<number>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export async function startControllerProcess(args: string[]): Promise<ControllerProcess> {
  const { spawn } = await import('node:child_process');
  const node = new URL('../../node_modules/.bin/node', import.meta.url).pathname;
  const cli = new URL('../../bin/interlace.mjs', import.meta.url).pathname;
  const { kubeconfigPath } = await import('./harness/context.ts');
  const child = spawn(
    node,
    // --allow-local-sources: these tests serve specs from a temp repository by file:// (refused by default).
    [
      cli,
      'controller',
      '--kubeconfig',
      kubeconfigPath(),
      '--metrics-addr',
      '127.0.0.1:0',
      '--runtime-image',
      WORKER_IMAGE,
      '--nats-url',
      TEST_NATS_URL,
      '--allow-local-sources',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = await until(
    'the controller to start',
    async () => {
      if (child.exitCode !== null) throw new Error(`controller exited ${child.exitCode}:\n${output}`);
      const line = output.split('\n').find((l) => l.includes('"controller started"'));
      return line ? (JSON.parse(line) as { metrics: string; webhook?: string }) : undefined;
    },
    20_000,
  );
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const text = await (await fetch(`${started.metrics}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:]+)(\{[^}]*\})? ([0-9.eE+-]+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
    }
    return sum;
  };
  return {
    child,
    metrics: started.metrics,
    webhook: started.webhook ?? '',
    logs: () => output,
    metric,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

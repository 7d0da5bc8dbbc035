// A Workflow unit on a real pod with the temporal image (issue 16): the image with the Temporal SDK
// (`scripts/build-image.sh --flavour temporal`, the Dockerfile's `--target temporal`) runs the unit's
// `interlace worker` on a real node (kubelet + containerd + runc, CNI bridge pod network), against a real
// Temporal dev server (tools/temporal-dev-server) and a real nats-server (the workflow's trigger and the
// event it waits for) on the host, listening on the node's address, where pods reach the host. Its calls
// go to a WMS on the host that records every request with its Idempotency-Key (`<execution id>/<step>`).
//
// The Deployment comes from the controller's reconciler: an Estate whose spec.workflows.temporal names the
// dev server and the temporal image, while its runtimeImage is the worker image, which this node does
// not have (a Workflow unit that ran it would never start). The estate is test/fixtures/workflow-worker's
// workflow (reserve at the WMS, wait for the order's confirmation, ship) without its routes: the test
// publishes the trigger and the confirmations itself.
//
// Proves: the pod becomes Ready by its real probes (the SDK loads, webpack bundles the workflow in the
// pod, the Temporal worker polls, the feed consumes); executions complete with each call reaching the WMS
// once; executions waiting while the pod is deleted (SIGTERM) are finished by the new pod, and while its
// container is SIGKILLed, by the restarted container, without repeating a call.
//
// Only the real node runs these pods: kwok's fake node is cordoned for the duration of this file. Same
// prerequisites and skip rule as real-pods.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_UNIT } from '../../controller/plan/labels.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { TemporalWorkflowEngine } from '../../runtime/workflow/temporal/temporal-engine.ts';
import { ensureNatsServerBinary, type NatsServer, startNatsServer } from '../broker/harness/nats-server.ts';
import { ensureTemporalBinary, startTemporalServer } from '../broker/harness/temporal-server.ts';
import type { TemporalServer } from '../broker/harness/temporal-server.ts';
import { startTargetServer } from '../broker/worker-fixtures.ts';
import type { TargetServer } from '../broker/worker-fixtures.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { cluster, createNamespace, kubeConfig, kubectl } from './harness/context.ts';
import { type NodeWithImage, realPodsSkipReason, startNodeWithImage, until } from './harness/real-pods-setup.ts';
import { createEstate, estate, installCrds, newReconciler, reconcileUntilSettled } from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

const LABEL = 'real-pods-workflow';
/** The Workflow unit (its Deployment's name and the worker's task queue). */
const UNIT = 'workflow-order-flow-v1';
const NATS_TOKEN = 'workflow-nats-token';
const FIXTURE = new URL('../fixtures/workflow-worker/estate.yaml', import.meta.url);

interface Pod {
  metadata: { name: string; creationTimestamp: string; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { image: string }[] };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: { containerID?: string; imageID?: string; restartCount: number; ready: boolean }[];
  };
}

const reason = realPodsSkipReason(LABEL);

/** The fixture's workflow, contracts and WMS (at `wmsUrl`), without its routes and their source System. */
function workflowEstate(wmsUrl: string): string {
  const text = readFileSync(FIXTURE, 'utf8');
  if (!text.includes('https://wms.example.com')) throw new Error('the fixture changed: no WMS url');
  const docs = text
    .replace('https://wms.example.com', wmsUrl)
    .split(/^---\n/m)
    .filter((doc) => !/^kind: EventRoute$/m.test(doc) && !/^metadata: \{ name: shop \}$/m.test(doc));
  if (docs.filter((doc) => /^kind: Workflow$/m.test(doc)).length !== 1) throw new Error('the fixture changed: one Workflow expected');
  return docs.join('---\n');
}

const isReady = (p: Pod) =>
  p.status.phase === 'Running' &&
  !p.metadata.deletionTimestamp &&
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(reason !== undefined)('a Workflow unit on a real pod with the temporal image', () => {
  let setup: NodeWithImage | undefined;
  let namespace: { name: string; remove: () => Promise<void> } | undefined;
  let nats: NatsServer | undefined;
  let backbone: JetStreamBackbone | undefined;
  let temporal: TemporalServer | undefined;
  let engine: TemporalWorkflowEngine | undefined;
  let wms: TargetServer | undefined;
  let repo: TempRepo | undefined;
  let h: Harness | undefined;
  let cordoned = '';
  let ns = '';
  /** The first test got the unit Ready: the others disturb its pod. */
  let running = false;
  const figures: Record<string, string> = {};

  const pods = async (): Promise<Pod[]> =>
    JSON.parse((await kubectl(['get', 'pods', '-n', ns, '-l', `${LABEL_UNIT}=${UNIT}`, '-o', 'json'])).stdout).items as Pod[];
  const describePods = async () => {
    const listing = (await kubectl(['get', 'pods,events', '-n', ns, '-o', 'wide']).catch((e) => ({ stdout: String(e) }))).stdout;
    // The containers' logs from the kubelet's pod log folder (the API server cannot resolve the node's name for `kubectl logs`).
    const podLogs = join(dirname(setup!.node.logDir), 'pod-logs');
    const logs = readdirSync(podLogs, { recursive: true, encoding: 'utf8' })
      .filter((path) => path.includes(UNIT) && path.endsWith('.log'))
      .map((path) => `--- ${path} ---\n${readFileSync(join(podLogs, path), 'utf8').split('\n').slice(-30).join('\n')}`);
    return `${listing}\n${logs.join('\n')}`;
  };
  const readyCondition = async () =>
    (
      (await estate(h!, ns)).status as { conditions?: { type: string; status: string; reason: string; message: string }[] }
    ).conditions?.find((c) => c.type === 'Ready');

  /** As the controller's queue would: reconcile (a rollout is waited for) until the Estate is Ready. */
  const reconcileUntilReady = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await reconcileUntilSettled(h!, ns, Math.max(1_000, deadline - Date.now())).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await describePods()}`);
      });
      const ready = await readyCondition();
      if (ready?.status === 'True') return;
      if (Date.now() > deadline) throw new Error(`the Estate is not Ready: ${JSON.stringify(ready)}\n${await describePods()}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  };

  const publish = (topic: string, event: unknown) => backbone!.publish(topic, Buffer.from(JSON.stringify(event)));
  const executionId = (orderNo: string) => `order-flow@1/${orderNo}`;
  /** Every execution of `orders` waits for its confirmation (its reserve call made). */
  const allWaiting = (orders: string[]) =>
    until(
      `${orders.join(', ')} waiting for their confirmations`,
      async () => {
        for (const order of orders)
          if (!(await engine!.show(executionId(order)))?.activeSteps?.includes('await-confirmation')) return undefined;
        return true;
      },
      180_000,
      describePods,
    );
  /** Every execution of `orders` ended; their end statuses. */
  const allEnded = (orders: string[]) =>
    until(
      `${orders.join(', ')} to end`,
      async () => {
        const statuses: string[] = [];
        for (const order of orders) {
          const detail = await engine!.show(executionId(order));
          if (!detail || detail.status === 'running') return undefined;
          statuses.push(detail.status);
        }
        return statuses;
      },
      240_000,
      describePods,
    );
  /** The WMS's requests under one Idempotency-Key: the paths, in order. */
  const calls = (key: string) => wms!.requests.filter((r) => r.headers['idempotency-key'] === key).map((r) => r.path);
  /** Each order's reserve and ship reached the WMS exactly once, and nothing else did for it. */
  const eachCallOnce = (orders: string[]) => {
    for (const order of orders) {
      expect(calls(`${executionId(order)}/reserve`), order).toEqual(['/reservations']);
      expect(calls(`${executionId(order)}/ship`), order).toEqual(['/shipments']);
      expect(wms!.requests.filter((r) => (r.body as { orderNo?: string } | undefined)?.orderNo === order)).toHaveLength(2);
    }
  };
  const orders = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
  const submit = async (list: string[]) => {
    for (const order of list) await publish('wf.orders', { orderNo: order, sku: `SKU-${order}` });
  };
  const confirm = async (list: string[]) => {
    for (const order of list) await publish('wf.confirmations', { orderNo: order, status: 'confirmed' });
  };
  /** Seconds from a pod's creation to its Ready condition (the kubelet's times, 1 s resolution). */
  const createdToReady = (p: Pod) => {
    const ready = p.status.conditions!.find((c) => c.type === 'Ready' && c.status === 'True')!;
    return seconds(Date.parse(ready.lastTransitionTime!) - Date.parse(p.metadata.creationTimestamp));
  };
  const checkPod = async (p: Pod) => {
    expect(p.spec.nodeName).toBe(setup!.node.name);
    expect(p.spec.containers[0]!.image).toBe(setup!.image);
    const container = p.status.containerStatuses![0]!;
    expect(container.containerID).toMatch(/^containerd:\/\//);
    expect(p.status.podIP).toMatch(/^10\.88\./);
    // The kubelet's probe said Ready; the worker says why: the workflows run on Temporal.
    const readyz = await fetch(`http://${p.status.podIP}:8080/readyz`);
    const body = (await readyz.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    expect(readyz.status, JSON.stringify(body)).toBe(200);
    expect(body.checks.workflows?.ok, JSON.stringify(body)).toBe(true);
  };

  beforeAll(async () => {
    setup = await startNodeWithImage(LABEL, { flavour: 'temporal' });
    Object.assign(figures, setup.figures);
    const node = setup.node;
    expect(setup.image).toMatch(/-temporal$/);
    const info = cluster();
    if (info.available && info.nodeName) {
      await kubectl(['cordon', info.nodeName]);
      cordoned = info.nodeName;
    }
    namespace = await createNamespace(kubeConfig(), 'workflow-pods');
    ns = namespace.name;

    // The backbone, Temporal and the WMS on the host, at the node's address (where pods reach the host).
    nats = await startNatsServer(await ensureNatsServerBinary(), ['-a', '0.0.0.0', '--auth', NATS_TOKEN]);
    backbone = await openJetStreamBackbone({ servers: nats.url, name: 'workflow-pods-test', auth: { token: NATS_TOKEN } });
    await backbone.ensureTopic('wf.orders');
    await backbone.ensureTopic('wf.confirmations');
    temporal = await startTemporalServer(await ensureTemporalBinary(), { ip: node.ip });
    // The test's client reads executions on the unit's task queue, in the Estate's scope (`<namespace>.<estate>`,
    // as the controller sets it); it needs no programs to read them.
    engine = await TemporalWorkflowEngine.connect(
      { address: temporal.address, namespace: temporal.namespace, taskQueue: UNIT, scope: `${ns}.shop` },
      [],
    );
    wms = await startTargetServer(() => ({ status: 201, body: { ok: true } }), node.ip);

    repo = new TempRepo();
    repo.write({ 'specs/estate.yaml': workflowEstate(wms.url) });
    repo.commit('a workflow');
    await installCrds();
    h = newReconciler();
    await kubectl(['-n', ns, 'create', 'secret', 'generic', 'nats-token', `--from-literal=token=${NATS_TOKEN}`]);
  }, 20 * 60_000);

  afterAll(async () => {
    if (ns) await kubectl(['delete', 'namespace', ns, '--wait=true', '--timeout=90s']).catch(() => {});
    await setup?.stop();
    if (cordoned) await kubectl(['uncordon', cordoned]).catch(() => {});
    await engine?.close().catch(() => {});
    await temporal?.close();
    await backbone?.close().catch(() => {});
    await nats?.stop();
    await wms?.close();
    h?.cleanup();
    repo?.cleanup();
    console.log(`[${LABEL}] figures: ${JSON.stringify(figures)}`);
  }, 180_000);

  it('the Workflow unit’s Deployment runs the temporal image, Ready by its probes; executions complete, each call once', async () => {
    const applied = Date.now();
    await createEstate(h!.rest, ns, `file://${repo!.root}`, {
      // The worker image, which this node lacks: only the Workflow unit's own image can run here.
      runtimeImage: setup!.image.replace(/-temporal$/, '-worker'),
      backbone: {
        url: nats!.url.replace('127.0.0.1', setup!.node.ip),
        credentials: { type: 'token', secretRef: { name: 'nats-token' } },
      },
      workflows: { temporal: { address: temporal!.address, namespace: temporal!.namespace, image: setup!.image } },
    });
    await h!.reconciler.reconcile({ namespace: ns, name: 'shop' });
    await reconcileUntilReady(300_000);
    figures.estateAppliedToReady = seconds(Date.now() - applied);
    const [pod, ...more] = await pods();
    expect(more).toEqual([]);
    expect(isReady(pod!)).toBe(true);
    await checkPod(pod!);
    figures.podCreatedToReady = createdToReady(pod!);
    running = true;

    const batch = orders('W', 5);
    const started = Date.now();
    await submit(batch);
    await allWaiting(batch);
    figures.fiveStartedToWaiting = seconds(Date.now() - started);
    const confirmed = Date.now();
    await confirm(batch);
    expect(await allEnded(batch)).toEqual(batch.map(() => 'completed'));
    figures.fiveConfirmedToCompleted = seconds(Date.now() - confirmed);
    eachCallOnce(batch);
  }, 600_000);

  it('executions waiting while the pod is deleted (SIGTERM) are finished by the new pod, no call repeated', async () => {
    if (!running) throw new Error('the Workflow unit did not become Ready, so there is no pod to delete');
    const batch = orders('D', 3);
    await submit(batch);
    await allWaiting(batch);
    const [old] = await pods();
    const deleted = Date.now();
    await kubectl(['delete', 'pod', '-n', ns, old!.metadata.name, '--wait=false']);
    // The old pod gone and its replacement Ready: only the new pod can finish the executions.
    const replacement = await until(
      'the old pod gone and a new one Ready',
      async () => {
        const current = await pods();
        return current.length === 1 && current[0]!.metadata.name !== old!.metadata.name && isReady(current[0]!) ? current[0] : undefined;
      },
      240_000,
      describePods,
    );
    figures.podDeletedToNewReady = seconds(Date.now() - deleted);
    figures.newPodCreatedToReady = createdToReady(replacement);
    await checkPod(replacement);
    await confirm(batch);
    expect(await allEnded(batch)).toEqual(batch.map(() => 'completed'));
    eachCallOnce(batch);
  }, 600_000);

  it('executions waiting while the container is SIGKILLed are finished by the restarted container; events sent meanwhile are kept', async () => {
    if (!running) throw new Error('the Workflow unit did not become Ready, so there is no container to kill');
    const batch = orders('K', 3);
    await submit(batch);
    await allWaiting(batch);
    const [pod] = await pods();
    const restartsBefore = pod!.status.containerStatuses![0]!.restartCount;
    const killed = Date.now();
    await setup!.node.killContainer(pod!.status.containerStatuses![0]!.containerID!);
    // Sent while no worker runs: the backbone keeps them for the restarted container.
    await confirm(batch);
    const restarted = await until(
      'the container restarted and Ready',
      async () => {
        const [p] = await pods();
        return p && p.status.containerStatuses?.[0]?.restartCount === restartsBefore + 1 && isReady(p) ? p : undefined;
      },
      240_000,
      describePods,
    );
    figures.containerKilledToReady = seconds(Date.now() - killed);
    expect(restarted.metadata.name).toBe(pod!.metadata.name);
    expect(await allEnded(batch)).toEqual(batch.map(() => 'completed'));
    figures.containerKilledToCompleted = seconds(Date.now() - killed);
    eachCallOnce(batch);
    // Every call of the file, once: 2 per order of the three batches, none repeated.
    expect(wms!.requests).toHaveLength(2 * (5 + 3 + 3));
    // A late repeat would show now.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(wms!.requests).toHaveLength(2 * (5 + 3 + 3));
    await reconcileUntilReady(120_000);
  }, 600_000);
});

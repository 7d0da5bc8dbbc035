// The example estate's order flow on real worker pods (issue 12, part 7). An Estate is applied by the
// controller's reconciler; its two order units — dealer-order-received (the dealer portal's
// Order.Submitted → orders.received) and order-validation (orders.received → the legacy ERP's
// A_SalesOrder) — run as Deployments on a real node (kubelet + containerd + runc, CNI bridge pod network)
// with the project's worker image (`build-image.sh --flavour worker`), Ready by their real probes. Their backbone is a real nats-server on the host
// with token auth (the Estate's backbone Secret), reached through a Service: a ClusterIP without a selector
// whose EndpointSlice names the node's address, as a cluster fronts a broker outside it (the node's
// kube-proxy sends the ClusterIP there);
// the legacy ERP is the simulated SAP gateway (runtime/simulate), listening on the node's address, whose
// EffectLedger counts every sales order booked and every one booked twice.
//
// In the example estate the workflow order-to-cash@1 creates the sales order now; workflows are not
// deployed by this test (it is about route units on real pods), so the route it replaced stands in for
// it: order-validation, kept as test/fixtures/real-pods/order-validation.yaml and written into the
// Estate's repository as specs/routes/order-validation.yaml — one route unit that turns each order into
// one SAP sales order, the effect this test counts.
//
// 200 dealer orders: 50 first, then 150 (5 every 1.2 s) while, one after another, order-validation rolls to a
// new bundle (a new commit), order-validation's pod is deleted (SIGTERM, graceful) and
// dealer-order-received's container is SIGKILLed (the kubelet restarts it): 200 of 200 sales orders, 0
// booked twice, nothing pending, Estate Ready. Then the time from a revision change to a real pod serving
// the new bundle, over a few changes.
//
// Only the real node runs these pods: kwok's fake node is cordoned for the duration of this file (the
// cluster tier runs its files one after another). Same prerequisites and skip rule as real-pods.test.ts.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ANNOTATION_BUNDLE_HASH, LABEL_UNIT } from '../../controller/plan/labels.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { SourcePublisher } from '../../runtime/simulate/source-publisher.ts';
import type { SimContext } from '../../runtime/simulate/system.ts';
import { FAST_TIMING } from '../../runtime/simulate/system.ts';
import { DealerPortal } from '../../runtime/simulate/systems/dealer-portal.ts';
import { LegacyErp } from '../../runtime/simulate/systems/legacy-erp.ts';
import { World } from '../../runtime/simulate/world.ts';
import { loadWorkerEstate } from '../../runtime/worker/load-estate.ts';
import { ensureNatsServerBinary, type NatsServer, startNatsServer } from '../broker/harness/nats-server.ts';
import { TempRepo } from '../helpers/git-repo.ts';
import { REPO_ROOT } from './harness/binaries.ts';
import { cluster, createNamespace, kubeConfig, kubectl } from './harness/context.ts';
import { type NodeWithImage, realPodsSkipReason, startNodeWithImage, until } from './harness/real-pods-setup.ts';
import { createEstate, estate, installCrds, newReconciler, reconcileUntilSettled } from './reconcile-support.ts';
import type { Harness } from './reconcile-support.ts';

const LABEL = 'real-pods-order-flow';
/** The order routes this test deploys (one unit each): the example estate's intake and the stand-in below. */
const ROUTES = ['dealer-order-received', 'order-validation'];
/** The route the order-to-cash workflow replaced, from the fixtures (not the example estate's specs). */
const STAND_IN = { route: 'order-validation', fixture: 'test/fixtures/real-pods/order-validation.yaml' };
/** The mappings of those routes' targets (both in the example estate's specs/mappings). */
const MAPPINGS = ['order-v2-to-order-status', 'order-v2-to-sap-sales-order'];
const INTAKE = 'route-dealer-order-received';
const VALIDATION = 'route-order-validation';
/** Consumers that must end with nothing pending: topic → durable consumer (`<route>__<target>`). */
const CONSUMERS: [string, string][] = [
  ['dealer-portal.order.submitted', 'dealer-order-received__orders-received'],
  ['dealer-portal.order.submitted', 'dealer-order-received__order-status'],
  ['orders.received', 'order-validation__legacy-erp'],
];
const NATS_TOKEN = 'order-flow-nats-token';

interface Pod {
  metadata: { name: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { env?: { name: string; value?: string }[] }[] };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { containerID?: string; imageID?: string; restartCount: number; ready: boolean }[];
  };
}

const reason = realPodsSkipReason(LABEL);

/**
 * The Estate's files for the two order routes, as committed (HEAD, not the working tree others edit):
 * every contract and System of the example estate (native contracts name their Systems), the routes' two
 * mappings, dealer-order-received from specs/routes and order-validation from its fixture, no Api and no
 * Workflow. Systems lose their `sources` (the dealer portal's webhook receiver is a unit of its own, issue
 * 13's): this test publishes the portal's events itself.
 */
function orderFlowFiles(erpUrl: string, validationTimeout: string): Record<string, Buffer | string> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
  const commit = git('rev-parse', 'HEAD').toString().trim();
  const named = [
    ...MAPPINGS.map((m) => `specs/mappings/${m}.yaml`),
    ...ROUTES.filter((r) => r !== STAND_IN.route).map((r) => `specs/routes/${r}.yaml`),
  ];
  const paths = git('ls-tree', '-r', '--name-only', commit, '--', 'specs/contracts', 'specs/fixtures', 'specs/systems', ...named)
    .toString()
    .split('\n')
    .filter(Boolean);
  const files: Record<string, Buffer | string> = {};
  for (const path of paths) files[path] = git('show', `${commit}:${path}`);
  // Every file named above must exist at HEAD: a renamed mapping or route would otherwise just be missing.
  for (const path of named) if (!(path in files)) throw new Error(`${path} is not in the example estate at ${commit}`);
  for (const path of paths.filter((p) => p.startsWith('specs/systems/'))) {
    const doc = parseDocument(String(files[path]));
    doc.deleteIn(['spec', 'sources']);
    // The legacy ERP at the simulator (its real base path kept), as an operator's overlay would point it.
    if (doc.getIn(['metadata', 'name']) === 'legacy-erp') {
      const url = new URL(String(doc.getIn(['spec', 'endpoint', 'url'])));
      doc.setIn(['spec', 'endpoint', 'url'], `${erpUrl}${url.pathname}`);
    }
    files[path] = doc.toString();
  }
  const validation = `specs/routes/${STAND_IN.route}.yaml`;
  files[validation] = withValidationTimeout(git('show', `${commit}:${STAND_IN.fixture}`).toString(), validationTimeout);
  return files;
}

/** order-validation with another delivery timeout: a change of its bundle, so its Deployment rolls. */
function withValidationTimeout(route: string, timeout: string): string {
  const changed = route.replace(/^(\s+timeout:\s*)\S+$/m, `$1${timeout}`);
  if (!/^\s+timeout:/m.test(route)) throw new Error('specs/routes/order-validation.yaml has no delivery timeout');
  return changed;
}

const isReady = (p: Pod) =>
  p.status.phase === 'Running' &&
  !p.metadata.deletionTimestamp &&
  (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/**
 * A Service without a selector in front of `ip:port` on the host (its EndpointSlice written by hand, as
 * for any backend outside the cluster): returns nats://<ClusterIP>:4222 once the ClusterIP answers.
 */
async function serviceToHost(ns: string, name: string, ip: string, port: number): Promise<string> {
  const objects = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { ports: [{ name: 'client', port: 4222, targetPort: port, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-host`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [ip], conditions: { ready: true } }],
      ports: [{ name: 'client', port, protocol: 'TCP' }],
    },
  ];
  await kubectl(['apply', '--server-side', '--field-manager=interlace-test', '-n', ns, '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  });
  const clusterIp = JSON.parse((await kubectl(['get', 'service', name, '-n', ns, '-o', 'json'])).stdout).spec.clusterIP as string;
  expect(clusterIp).toMatch(/^10\.0\.0\.\d+$/);
  // kube-proxy has the rule once a TCP connection to the ClusterIP goes through (nothing listens there).
  await until(
    `${name}'s ClusterIP ${clusterIp}:4222 reaches ${ip}:${port}`,
    () =>
      new Promise<true | undefined>((resolve) => {
        const socket = connect({ host: clusterIp, port: 4222, timeout: 3_000 });
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('timeout', () => (socket.destroy(), resolve(undefined)));
        socket.once('error', () => resolve(undefined));
      }),
    60_000,
  );
  return `nats://${clusterIp}:4222`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(reason !== undefined)('the example estate’s order flow on real pods', () => {
  let setup: NodeWithImage | undefined;
  let namespace: { name: string; remove: () => Promise<void> } | undefined;
  let nats: NatsServer | undefined;
  let backbone: JetStreamBackbone | undefined;
  let publisher: SourcePublisher | undefined;
  let erp: LegacyErp | undefined;
  let portal: DealerPortal | undefined;
  let repo: TempRepo | undefined;
  let h: Harness | undefined;
  /** nats://<ClusterIP>:4222, the Service in front of the host's nats-server. */
  let natsServiceUrl = '';
  let cordoned = '';
  let ns = '';
  /** The first test got the Estate Ready and through its traffic: the second one changes that Estate. */
  let flowed = false;
  /** Set when the file ends: a traffic loop left behind by a failure stops. */
  let ended = false;
  const figures: Record<string, string> = {};

  const pods = async (unit: string): Promise<Pod[]> =>
    JSON.parse((await kubectl(['get', 'pods', '-n', ns, '-l', `${LABEL_UNIT}=${unit}`, '-o', 'json'])).stdout).items as Pod[];
  const describePods = async () =>
    (await kubectl(['get', 'pods,events', '-n', ns, '-o', 'wide']).catch((e) => ({ stdout: String(e) }))).stdout;
  const templateHash = async (unit: string): Promise<string> =>
    JSON.parse((await kubectl(['get', 'deployment', unit, '-n', ns, '-o', 'json'])).stdout).spec.template.metadata.annotations[
      ANNOTATION_BUNDLE_HASH
    ];
  const readyCondition = async () =>
    (
      (await estate(h!, ns)).status as { conditions?: { type: string; status: string; reason: string; message: string }[] }
    ).conditions?.find((c) => c.type === 'Ready');

  /**
   * The units' own Secrets, as an operator creates them once the plan names them: every Secret a worker
   * Deployment reads (the ERP gateway's API key, which the simulator requires; the dealer portal's
   * client certificate, which these routes never use: the portal's events arrive on the backbone).
   */
  const createUnitSecrets = async () => {
    const deployments = JSON.parse((await kubectl(['get', 'deployments', '-n', ns, '-o', 'json'])).stdout).items as {
      spec: { template: { spec: { containers: { env?: { valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }[] } } };
    }[];
    const secrets = new Map<string, Set<string>>();
    for (const d of deployments)
      for (const c of d.spec.template.spec.containers)
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref && ref.name !== 'nats-token') secrets.set(ref.name, (secrets.get(ref.name) ?? new Set()).add(ref.key));
        }
    expect([...secrets.keys()]).toContain('legacy-erp-gateway');
    for (const [name, keys] of secrets)
      await kubectl(['-n', ns, 'create', 'secret', 'generic', name, ...[...keys].map((key) => `--from-literal=${key}=order-flow-${key}`)]);
  };

  /**
   * Reconciles as the controller's queue would (a rollout is waited for; a Degraded unit is looked at
   * again a second later, as a pod the kubelet is still retrying recovers) until the Estate is Ready.
   */
  const reconcileUntilReady = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await reconcileUntilSettled(h!, ns, Math.max(1_000, deadline - Date.now()));
      const ready = await readyCondition();
      if (ready?.status === 'True') return;
      if (Date.now() > deadline) throw new Error(`the Estate is not Ready: ${JSON.stringify(ready)}\n${await describePods()}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  };

  beforeAll(async () => {
    setup = await startNodeWithImage(LABEL, { flavour: 'worker' });
    expect(setup.image).toMatch(/-worker$/);
    Object.assign(figures, setup.figures);
    const node = setup.node;
    // Only the real node takes pods while this file runs: kwok's node would report any pod Ready.
    const info = cluster();
    if (info.available && info.nodeName) {
      await kubectl(['cordon', info.nodeName]);
      cordoned = info.nodeName;
    }
    namespace = await createNamespace(kubeConfig(), 'order-flow');
    ns = namespace.name;

    // The backbone on the host: JetStream with token auth, on every address (pods come in at the node's).
    nats = await startNatsServer(await ensureNatsServerBinary(), ['-a', '0.0.0.0', '--auth', NATS_TOKEN]);
    backbone = await openJetStreamBackbone({ servers: nats.url, name: 'order-flow-test', auth: { token: NATS_TOKEN } });

    // The spec repository; its routes give the dealer portal's source topic.
    repo = new TempRepo();
    const world = new World(7);
    // The ERP listens on the node's address: pods on the bridge reach the host there.
    const ctx: SimContext = {
      world,
      publisher: new SourcePublisher(backbone, []),
      backbone,
      runTag: Date.now().toString(36).slice(-6).toUpperCase(),
      timing: FAST_TIMING,
    };
    erp = new LegacyErp(ctx, 0, node.ip);
    await erp.server.start();
    repo.write(orderFlowFiles(`http://${node.ip}:${erp.server.port}`, '60s'));
    repo.commit('the order flow');
    const routes = loadWorkerEstate([join(repo.root, 'specs')]).routes;
    expect(routes.map((r) => r.metadata.name).sort()).toEqual(ROUTES);
    publisher = new SourcePublisher(backbone, routes);
    ctx.publisher = publisher;
    for (const topic of publisher.sourceTopics()) await backbone.ensureTopic(topic);
    portal = new DealerPortal(ctx, 0, []);

    await installCrds();
    h = newReconciler();
    // The backbone's Secret, which the controller checks before it applies anything.
    await kubectl(['-n', ns, 'create', 'secret', 'generic', 'nats-token', `--from-literal=token=${NATS_TOKEN}`]);
    natsServiceUrl = await serviceToHost(ns, 'nats', setup.node.ip, Number(new URL(nats.url).port));
  }, 20 * 60_000);

  afterAll(async () => {
    ended = true;
    // Pods first, by the kubelet (so their sandboxes and network namespaces go the normal way), then the node.
    if (ns) await kubectl(['delete', 'namespace', ns, '--wait=true', '--timeout=90s']).catch(() => {});
    await setup?.stop();
    if (cordoned) await kubectl(['uncordon', cordoned]).catch(() => {});
    publisher?.stop();
    await erp?.server.stop();
    await backbone?.close().catch(() => {});
    await nats?.stop();
    h?.cleanup();
    repo?.cleanup();
    console.log(`[${LABEL}] figures: ${JSON.stringify(figures)}`);
  }, 180_000);

  it('delivers 200 of 200 orders once through a rollout, a container kill and a pod deletion; the Estate ends Ready', async () => {
    const applied = Date.now();
    await createEstate(h!.rest, ns, `file://${repo!.root}`, {
      runtimeImage: setup!.image,
      backbone: {
        url: natsServiceUrl,
        credentials: { type: 'token', secretRef: { name: 'nats-token' } },
      },
    });
    await h!.reconciler.reconcile({ namespace: ns, name: 'shop' });
    await createUnitSecrets();
    await reconcileUntilReady(240_000);
    figures.estateAppliedToReady = seconds(Date.now() - applied);

    for (const unit of [INTAKE, VALIDATION]) {
      const [pod, ...more] = await pods(unit);
      expect(more).toEqual([]);
      expect(pod!.spec.nodeName).toBe(setup!.node.name);
      expect(isReady(pod!)).toBe(true);
      const container = pod!.status.containerStatuses![0]!;
      expect(container.containerID).toMatch(/^containerd:\/\//);
      expect(container.imageID).toMatch(/sha256:[0-9a-f]{64}/);
      // The bridge pod network: the pod's own address, where the kubelet probed it and the host reaches it.
      expect(pod!.status.podIP).toMatch(/^10\.88\./);
      const readyz = (await (await fetch(`http://${pod!.status.podIP}:8080/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
      expect(readyz.checks.consuming?.ok).toBe(true);
      // Its backbone is the Service's ClusterIP, not the host's address.
      const env = pod!.spec.containers[0]!.env ?? [];
      expect(env.filter((e) => e.value?.startsWith('nats://')).map((e) => e.value)).toEqual([natsServiceUrl]);
    }

    // 50 orders through both pods, end to end.
    const delivered = () => erp!.ledger.count('sales-order');
    const flowStarted = Date.now();
    const first = portal!.submitOrders(50);
    await publisher!.flush();
    await until(
      `50 sales orders in the legacy ERP (have ${delivered()})`,
      async () => (delivered() >= 50 ? true : undefined),
      120_000,
      describePods,
    );
    figures.first50Delivered = seconds(Date.now() - flowStarted);

    // 150 more, 5 every 1.2 s, while the Deployments are disturbed one after another.
    // The last 20 wait for the container kill, so every disturbance meets orders still coming, however
    // slow the machine.
    const rest: string[] = [];
    let killed = false;
    const traffic = (async () => {
      while (rest.length < 150 && !ended) {
        if (rest.length >= 130 && !killed) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        rest.push(...portal!.submitOrders(5));
        await new Promise((r) => setTimeout(r, 1_200));
      }
      await publisher!.flush();
    })();
    /** What the ERP has booked and the portal has submitted at a disturbance: orders were still coming. */
    const atDisturbance = (name: string) => {
      figures[name] = `${delivered()} booked of ${first.length + rest.length} submitted`;
      expect(rest.length, `${name}: the traffic had already ended`).toBeLessThan(150);
    };

    // A rollout: a new commit changes order-validation's bundle; the controller rolls its Deployment.
    const hashBefore = await templateHash(VALIDATION);
    repo!.write({
      'specs/routes/order-validation.yaml': withValidationTimeout(
        readFileSync(join(repo!.root, 'specs/routes/order-validation.yaml'), 'utf8'),
        '45s',
      ),
    });
    repo!.commit('order-validation: 45 s delivery timeout');
    const rolloutStarted = Date.now();
    atDisturbance('atRolloutStart');
    await reconcileUntilReady(180_000);
    const hashAfter = await templateHash(VALIDATION);
    expect(hashAfter).not.toBe(hashBefore);
    const rolled = await until(
      'order-validation running only its new bundle',
      async () => {
        const current = (await pods(VALIDATION)).filter((p) => !p.metadata.deletionTimestamp);
        return current.length === 1 && isReady(current[0]!) && current[0]!.metadata.annotations?.[ANNOTATION_BUNDLE_HASH] === hashAfter
          ? current[0]
          : undefined;
      },
      120_000,
      describePods,
    );
    figures.rolloutDuringTraffic = seconds(Date.now() - rolloutStarted);
    atDisturbance('atRolloutDone');

    // A deletion: order-validation's pod is deleted (SIGTERM, its grace period); its ReplicaSet makes another.
    await kubectl(['delete', 'pod', '-n', ns, rolled.metadata.name, '--wait=false']);
    atDisturbance('atDelete');
    await until(
      'a new order-validation pod Ready',
      async () => {
        const current = (await pods(VALIDATION)).filter((p) => p.metadata.name !== rolled.metadata.name && isReady(p));
        return current.length === 1 ? current : undefined;
      },
      120_000,
      describePods,
    );

    // A crash: dealer-order-received's container is SIGKILLed mid-traffic; the kubelet restarts it.
    const [intake] = await pods(INTAKE);
    await setup!.node.killContainer(intake!.status.containerStatuses![0]!.containerID!);
    atDisturbance('atKill');
    killed = true;
    const restarted = await until(
      'dealer-order-received restarted and Ready',
      async () => {
        const [p] = await pods(INTAKE);
        return p && p.status.containerStatuses?.[0]?.restartCount === 1 && isReady(p) ? p : undefined;
      },
      120_000,
      describePods,
    );
    expect(restarted.metadata.name).toBe(intake!.metadata.name);

    await traffic;
    const all = [...first, ...rest];
    expect(all).toHaveLength(200);
    // Redeliveries after the SIGKILL wait out the consumers' 30 s ack deadline.
    await until(
      `200 sales orders in the legacy ERP (have ${delivered()})`,
      async () => (delivered() >= 200 ? true : undefined),
      180_000,
      describePods,
    );
    figures.all200Delivered = seconds(Date.now() - flowStarted);
    expect(all.filter((order) => !erp!.ledger.has('sales-order', order))).toEqual([]);
    expect(delivered()).toBe(200);
    expect(erp!.ledger.duplicates, JSON.stringify(erp!.ledger.snapshot())).toBe(0);
    for (const [topic, consumer] of CONSUMERS) {
      await until(
        `${consumer} has nothing pending`,
        async () => ((await backbone!.pending(topic, consumer)) === 0 ? true : undefined),
        60_000,
      );
    }
    // Nothing dead-lettered: the ERP accepted every order.
    expect(await backbone!.pending('dlq.order-validation.legacy-erp', 'nobody').catch(() => 0)).toBe(0);
    // A late duplicate would show now, after everything settled.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(erp!.ledger.duplicates).toBe(0);

    await reconcileUntilReady(120_000);
    flowed = true;
  }, 900_000);

  it('serves a new revision on real pods within seconds of the commit (p50 over 3 changes)', async () => {
    if (!flowed) throw new Error('the order flow did not complete, so there is no running Estate to change');
    const samples: { served: number; settled: number }[] = [];
    for (const timeout of ['40s', '35s', '30s']) {
      const before = await templateHash(VALIDATION);
      repo!.write({
        'specs/routes/order-validation.yaml': withValidationTimeout(
          readFileSync(join(repo!.root, 'specs/routes/order-validation.yaml'), 'utf8'),
          timeout,
        ),
      });
      repo!.commit(`order-validation: ${timeout} delivery timeout`);
      // As a push webhook would: reconcile at once; meanwhile watch for a Ready pod of the new bundle.
      const committed = Date.now();
      let served = 0;
      let watching = true;
      const watch = (async () => {
        while (watching) {
          const hash = await templateHash(VALIDATION).catch(() => before);
          if (
            hash !== before &&
            (await pods(VALIDATION)).some((p) => isReady(p) && p.metadata.annotations?.[ANNOTATION_BUNDLE_HASH] === hash)
          ) {
            served = Date.now() - committed;
            return;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      await reconcileUntilReady(180_000);
      const settled = Date.now() - committed;
      await Promise.race([watch, new Promise((r) => setTimeout(r, 60_000))]);
      watching = false;
      expect(served, `no Ready pod of the new bundle after ${timeout}`).toBeGreaterThan(0);
      expect(await readyCondition()).toMatchObject({ status: 'True' });
      samples.push({ served, settled });
    }
    const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    figures.revisionToServingP50 = seconds(p50(samples.map((s) => s.served)));
    figures.revisionToRolloutCompleteP50 = seconds(p50(samples.map((s) => s.settled)));
    figures.revisionToServingSamples = samples.map((s) => seconds(s.served)).join(', ');
    // `npm run bench -- reconcile` runs this file and prints these samples (bench/reconcile-real-pods.ts).
    if (process.env.INTERLACE_FIGURES_OUT)
      writeFileSync(
        process.env.INTERLACE_FIGURES_OUT,
        JSON.stringify({ servedMs: samples.map((s) => s.served), settledMs: samples.map((s) => s.settled) }),
      );
    console.log(
      `[${LABEL}] revision change → a Ready pod serving the new bundle: p50 ${figures.revisionToServingP50} (${figures.revisionToServingSamples}); → rollout complete (Estate Ready): p50 ${figures.revisionToRolloutCompleteP50}`,
    );
  }, 600_000);
});

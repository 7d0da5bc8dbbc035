// The plan against a real API server: the generated CRDs are accepted (structural, CEL compiles) and
// listed by `kubectl get interlace`; every planned object applies with server-side apply and strict
// field validation, in stage order with owner uids bound; `interlace plan` (live) then reports no
// difference, and reports drift and what pruning would delete.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { ValidationSession } from '../../language/validation-session.ts';
import {
  bindOwnerUids,
  FIELD_MANAGER,
  LABEL_ESTATE,
  LABEL_ESTATE_NAMESPACE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  objectKey,
  planEstate,
  withMonitoringKinds,
} from '../../controller/plan/index.ts';
import type { Plan, PlanInput, PlanOptions } from '../../controller/plan/index.ts';
import {
  applyPlan as applyStages,
  KubeRest,
  planAgainstCluster,
  previousFromLive,
  pruneObjects,
  readLiveState,
} from '../../controller/apply/index.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { runCli } from '../helpers/cli.ts';
import { TEST_NATS_URL } from './reconcile-support.ts';
import { clusterUnavailable, createNamespace, kubeConfig, kubeconfigPath, kubectl, useTestNamespace } from './harness/context.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CRD_DIR = new URL('../../charts/interlace/crds/', import.meta.url);
const FIXTURE = 'test/fixtures/plan-estate';
const IMAGE = 'example.invalid/interlace:test';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function installCrds(): Promise<void> {
  const files = readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  for (const file of files)
    await kubectl(['apply', '--server-side', '--field-manager=interlace-test', '-f', fileURLToPath(new URL(file, CRD_DIR))]);
  const api = kubeConfig().makeApiClient(ApiextensionsV1Api);
  for (const file of files) {
    const name = (parseAllDocuments(readFileSync(new URL(file, CRD_DIR), 'utf8'))[0]!.toJS() as { metadata: { name: string } }).metadata
      .name;
    await until(`${name} Established`, async () => {
      const crd = await api.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
  // Established is not yet discoverable: wait until discovery (and kubectl's cache of it) lists the category.
  await until('the interlace category in discovery', async () => {
    const { stdout } = await kubectl(['api-resources', '--api-group=interlace.dev', '--cached=false', '-o', 'name']);
    return stdout.trim().split('\n').length === files.length ? true : undefined;
  });
}

let generated: ReadonlyMap<string, string>;
let documents: PlanInput['documents'];

/** The plan as applied where the Prometheus Operator's CRDs are not installed (as here): without its PodMonitor. */
function planFor(namespace: string, previous?: PlanOptions['previous']): Plan {
  return withoutMonitoring(
    planEstate({
      estate: { name: 'shop', namespace },
      targetNamespace: namespace,
      revision: 'working-tree',
      documents,
      generated,
      runtimeImage: IMAGE,
      options: { includeCrds: false, backbone: { url: TEST_NATS_URL }, ...(previous ? { previous } : {}) },
    }),
  );
}

function withoutMonitoring(plan: Plan): Plan {
  return withMonitoringKinds(plan, new Set()).plan;
}

/** A minimal applier, as the reconcile loop does it: stage by stage, owners bound after stage 2. */
async function applyPlan(plan: Plan): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kubeConfig());
  const uids = new Map<string, string>();
  for (const p of plan.objects) {
    const object = p.owner ? bindOwnerUids(p, (owner) => uids.get(objectKey(owner))) : p.object;
    const applied = await client.patch(
      object as KubernetesObject,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
    uids.set(p.key, applied.metadata!.uid!);
  }
}

describe.skipIf(clusterUnavailable())('the plan on a real API server', () => {
  const ns = useTestNamespace();
  beforeAll(async () => {
    await installCrds();
    const run = new ValidationSession().run([FIXTURE], { cwd: ROOT });
    documents = run.result.documents;
    generated = (await new Generator().generate({ documents, index: run.result.index, support: readSupportSources() })).files;
  });

  it('the CRDs are Established; kubectl knows the category and the short names', async () => {
    const { stdout } = await kubectl(['api-resources', '--api-group=interlace.dev', '-o', 'wide']);
    for (const plural of ['estates', 'datacontracts', 'systems', 'mappings', 'eventroutes', 'apis', 'policies'])
      expect(stdout).toContain(plural);
    for (const short of ['est', 'idc', 'sys', 'imap', 'er', 'iapi', 'ipol']) expect(stdout).toMatch(new RegExp(`\\b${short}\\b`));
    const empty = await kubectl(['get', 'interlace', '-n', ns()]);
    expect(empty.stderr + empty.stdout).toMatch(/No resources found/);
  });

  it('the CEL rules converted from if/then reject what the JSON Schema rejects', async () => {
    const system = `apiVersion: interlace.dev/v1alpha1\nkind: System\nmetadata: { name: wms, namespace: ${ns()} }\nspec: { type: wms, hosting: cloud, endpoint: { protocol: http } }\n`;
    const failed = await kubectl(['apply', '--server-side', '-f', '-'], { input: system }).then(
      () => '',
      (e: { stderr: string }) => e.stderr,
    );
    expect(failed).toContain('`url` is required when `protocol` is `http`');
  });

  it('every planned object passes strict field validation (server-side dry-run of the whole plan)', async () => {
    const plan = planFor(ns());
    // Owners do not exist yet in a dry-run: bind a syntactically valid uid (the API server does not check it).
    const stream = plan.objects
      .map((p) => `---\n${stringify(p.owner ? bindOwnerUids(p, () => '11111111-2222-3333-4444-555555555555') : p.object)}`)
      .join('');
    const { stdout } = await kubectl(
      ['apply', '--server-side', '--dry-run=server', '--validate=strict', `--field-manager=${FIELD_MANAGER}`, '-f', '-'],
      { input: stream },
    );
    expect(stdout.trim().split('\n')).toHaveLength(plan.objects.length);
  });

  it('applied in stages, the estate shows in `kubectl get interlace`, its Deployments roll out, and a live plan finds nothing to change', async () => {
    const namespace = ns();
    await applyPlan(planFor(namespace));
    const table = (await kubectl(['get', 'interlace', '-n', namespace])).stdout;
    expect(table).toMatch(/NAME\s+VERSION\s+READY\s+SYNCED\s+HEALTH\s+REVISION\s+AGE/);
    expect(table).toMatch(/eventroute\.interlace\.dev\/sap-order-created\s+legacy-erp/);
    expect(table).toContain('datacontract.interlace.dev/order-v2');
    expect(table).toContain('api.interlace.dev/order-status-v1');
    expect((await kubectl(['get', 'dc', '-n', namespace]).catch(() => ({ stdout: '' }))).stdout).not.toContain('order-v2');
    const labelled = (
      await kubectl(['get', 'idc', '-n', namespace, '-l', 'interlace.dev/name=order,interlace.dev/major=2', '-o', 'name'])
    ).stdout.trim();
    expect(labelled).toBe('datacontract.interlace.dev/order-v2');

    const owner = JSON.parse((await kubectl(['get', 'deployment', 'route-sap-order-created', '-n', namespace, '-o', 'json'])).stdout)
      .metadata.ownerReferences[0];
    const route = JSON.parse((await kubectl(['get', 'er', 'sap-order-created', '-n', namespace, '-o', 'json'])).stdout);
    expect(owner).toMatchObject({ kind: 'EventRoute', name: 'sap-order-created', uid: route.metadata.uid, controller: true });
    await kubectl(['rollout', 'status', 'deployment/route-sap-order-created', '-n', namespace, '--timeout=45s']);

    const live = await runCli(
      [
        'plan',
        FIXTURE,
        '--namespace',
        namespace,
        '--estate',
        'shop',
        '--image',
        IMAGE,
        '--no-crds',
        '--nats',
        TEST_NATS_URL,
        '--kubeconfig',
        kubeconfigPath(),
      ],
      ROOT,
    );
    expect(live.stdout).toContain('0 to create, 0 to update, 0 to delete (prune), 14 unchanged');
    expect(live.code).toBe(0);
  });

  it('a live plan reports drift in managed fields, new objects and what pruning would delete, and exits 1', async () => {
    const namespace = ns();
    const plan = planFor(namespace);
    await applyPlan({ ...plan, objects: plan.objects.filter((p) => p.ref.name !== 'api-order-status-v1') });
    await kubectl(['set', 'image', 'deployment/route-sap-order-created', 'worker=evil.invalid/worker:1', '-n', namespace]);
    await kubectl(['create', 'configmap', 'left-over', '-n', namespace]);
    await kubectl([
      'label',
      'configmap',
      'left-over',
      '-n',
      namespace,
      'app.kubernetes.io/managed-by=interlace',
      'interlace.dev/estate=shop',
      `interlace.dev/estate-namespace=${namespace}`,
    ]);

    const live = await runCli(
      [
        'plan',
        FIXTURE,
        '--namespace',
        namespace,
        '--estate',
        'shop',
        '--image',
        IMAGE,
        '--no-crds',
        '--nats',
        TEST_NATS_URL,
        '--kubeconfig',
        kubeconfigPath(),
      ],
      ROOT,
    );
    expect(live.code).toBe(1);
    expect(live.stdout).toContain(
      `~ update apps/v1/Deployment/${namespace}/route-sap-order-created\n      spec.template.spec.containers[name=worker].image`,
    );
    expect(live.stdout).toContain(`+ create apps/v1/Deployment/${namespace}/api-order-status-v1`);
    expect(live.stdout).toContain(`+ create v1/Service/${namespace}/api-order-status-v1`);
    expect(live.stdout).toContain(`- delete v1/ConfigMap/${namespace}/left-over`);
    // A dry run wrote nothing.
    expect(
      (
        await kubectl([
          'get',
          'deployment',
          'route-sap-order-created',
          '-n',
          namespace,
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image}',
        ])
      ).stdout,
    ).toBe('evil.invalid/worker:1');
  });

  it('plan and apply agree on drifted objects: the same keys are updated by one and configured by the other, then neither has anything to do', async () => {
    const namespace = ns();
    const estate = { name: 'shop', namespace };
    const rest = new KubeRest(kubeConfig());
    const initial = planFor(namespace);
    await applyStages(rest, initial, await readLiveState(rest, initial, estate));

    // Drift a Deployment (listed in full) and a ConfigMap (listed metadata-only, so the rule must read it).
    await kubectl(['set', 'image', 'deployment/route-sap-order-created', 'worker=evil.invalid/worker:1', '-n', namespace]);
    const configMap = initial.objects.find((p) => p.ref.kind === 'ConfigMap')!;
    const dataKey = Object.keys((configMap.object as unknown as { data: Record<string, string> }).data)[0]!;
    await kubectl([
      'patch',
      'configmap',
      configMap.ref.name,
      '-n',
      namespace,
      '--type',
      'merge',
      '-p',
      JSON.stringify({ data: { [dataKey]: 'tampered' } }),
    ]);
    const drifted = [`apps/v1/Deployment/${namespace}/route-sap-order-created`, configMap.key].sort();

    const planned = await planAgainstCluster({ rest, estate, replan: (previous) => planFor(namespace, previous) });
    expect(
      planned.report
        .filter((c) => c.action !== 'unchanged')
        .map((c) => `${c.action} ${c.key}`)
        .sort(),
    ).toEqual(drifted.map((k) => `update ${k}`));
    expect(planned.report.find((c) => c.key === configMap.key)).toMatchObject({ fields: [`data.${dataKey}`] });

    const live = await readLiveState(rest, initial, estate);
    const applied = await applyStages(rest, planFor(namespace, previousFromLive(live)), live);
    expect(
      applied.changes
        .filter((c) => c.action !== 'unchanged')
        .map((c) => `${c.action} ${c.key}`)
        .sort(),
    ).toEqual(drifted.map((k) => `configured ${k}`));

    const again = await planAgainstCluster({ rest, estate, replan: (previous) => planFor(namespace, previous) });
    expect(again.changes).toBe(0);
    const liveAgain = await readLiveState(rest, initial, estate);
    const reapplied = await applyStages(rest, planFor(namespace, previousFromLive(liveAgain)), liveAgain);
    expect(reapplied.changes.every((c) => c.action === 'unchanged')).toBe(true);
  });

  it('plan reports what apply prunes from the Estate inventory in a namespace the plan no longer targets', async () => {
    const namespace = ns();
    const old = await createNamespace(kubeConfig(), 'old-target');
    try {
      const estate = { name: 'shop', namespace };
      const rest = new KubeRest(kubeConfig());
      const plan = planFor(namespace);
      await applyStages(rest, plan, await readLiveState(rest, plan, estate));
      // An earlier revision targeted another namespace: its object is still there, labelled, and in the inventory.
      const leftover = { apiVersion: 'v1', kind: 'ConfigMap', namespace: old.name, name: 'route-retired' };
      await rest.apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: leftover.name,
            namespace: old.name,
            labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_ESTATE]: 'shop', [LABEL_ESTATE_NAMESPACE]: namespace },
          },
        },
        { fieldManager: FIELD_MANAGER },
      );
      const estateRef = { apiVersion: 'interlace.dev/v1alpha1', kind: 'Estate', namespace, name: 'shop' };
      await rest.create({
        ...estateRef,
        metadata: { name: 'shop', namespace },
        spec: { source: { url: 'https://example.invalid/specs.git' } },
      });
      const inventory = [...plan.objects.map((p) => p.ref), leftover];
      await rest.applyStatus(estateRef, { inventory: { entries: inventory } }, 'interlace-test');

      const planned = await planAgainstCluster({ rest, estate, replan: (previous) => planFor(namespace, previous) });
      expect(planned.report.filter((c) => c.action !== 'unchanged').map((c) => `${c.action} ${c.key}`)).toEqual([
        `delete v1/ConfigMap/${old.name}/route-retired`,
      ]);
      const live = await readLiveState(rest, plan, estate, inventory);
      const pruned = await pruneObjects(rest, { estate, enabled: true, previousInventory: inventory, plan, live });
      expect(pruned.map((c) => `${c.action} ${c.key}`)).toEqual([`deleted v1/ConfigMap/${old.name}/route-retired`]);
    } finally {
      await old.remove();
    }
  });
});

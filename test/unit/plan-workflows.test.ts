// A Workflow unit in the plan: a ConfigMap and a worker Deployment like a route's, wired to the Estate's
// Temporal cluster the way routes are wired to the backbone (address and namespace as env, the API key by
// secretKeyRef, the mTLS certificate as a mounted kubernetes.io/tls Secret) — never a secret value — and
// the Estate's scope, so Estates that share a Temporal namespace stay apart. Without a Temporal cluster no
// Workflow unit is planned and each workflow gets a warning.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { planEstate } from '../../controller/plan/index.ts';
import type { KubeObject, PlanInput } from '../../controller/plan/index.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { temporalScope } from '../../controller/plan/temporal-env.ts';
import { scopeProblem } from '../../runtime/workflow/temporal/scope.ts';
import { temporalSettings } from '../../runtime/workflow/temporal/temporal-settings.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'test/fixtures/workflow-worker';
let base: PlanInput;

beforeAll(async () => {
  const run = new ValidationSession().run([FIXTURE], { cwd: ROOT });
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const generated = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  expect(generated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  base = {
    estate: { name: 'shop', namespace: 'interlace-system' },
    targetNamespace: 'shop',
    revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
    documents: run.result.documents,
    generated: generated.files,
    runtimeImage: 'ghcr.io/interlace-dev/interlace:1.0.0-worker',
    options: { backbone: { url: 'nats://nats.shop:4222' }, includeCrds: false },
  };
}, 60_000);

const deploymentOf = (objects: { object: KubeObject }[], name: string) =>
  objects.find((o) => o.object.kind === 'Deployment' && o.object.metadata.name === name)?.object as
    | {
        spec: {
          template: {
            spec: {
              containers: {
                image: string;
                env: { name: string; value?: string; valueFrom?: unknown }[];
                volumeMounts: unknown[];
                resources: unknown;
              }[];
              volumes: unknown[];
            };
          };
        };
      }
    | undefined;

describe('planEstate: Workflow units', () => {
  it('without a Temporal cluster: no Workflow Deployment, a plan-temporal-missing warning at the workflow', () => {
    const plan = planEstate(base);
    expect(plan.diagnostics.map((d) => [d.code, d.severity, d.file])).toEqual([
      ['plan-temporal-missing', 'warning', `${FIXTURE}/estate.yaml`],
    ]);
    expect(deploymentOf(plan.objects, 'workflow-order-flow-v1')).toBeUndefined();
    expect(plan.units.map((u) => u.id)).toEqual(['route-confirmations-in', 'route-orders-in']);
  });

  it('with one: a Deployment on the workflow bundle, Temporal address and namespace as env, secrets by reference', () => {
    const plan = planEstate({
      ...base,
      options: {
        ...base.options,
        temporal: {
          address: 'temporal-frontend.temporal:7233',
          namespace: 'orders',
          mtls: { secretRef: { name: 'temporal-client' } },
          apiKey: { secretRef: { name: 'temporal-cloud', key: 'key' } },
          image: 'ghcr.io/interlace-dev/interlace:1.0.0-temporal',
        },
      },
    });
    expect(plan.diagnostics).toEqual([]);
    const unit = plan.units.find((u) => u.id === 'workflow-order-flow-v1')!;
    expect(unit.owner).toMatchObject({ kind: 'Workflow', name: 'order-flow-v1' });
    const configMap = plan.objects.find(
      (o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'workflow-order-flow-v1-bundle',
    )!;
    expect(JSON.parse((configMap.object.data as Record<string, string>)['manifest.json']!)).toMatchObject({
      kind: 'Workflow',
      systems: ['wms'],
    });
    const deployment = deploymentOf(plan.objects, 'workflow-order-flow-v1')!;
    const container = deployment.spec.template.spec.containers[0]!;
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      INTERLACE_UNIT: 'workflow-order-flow-v1',
      INTERLACE_NATS_URL: 'nats://nats.shop:4222',
      INTERLACE_TEMPORAL_ADDRESS: 'temporal-frontend.temporal:7233',
      INTERLACE_TEMPORAL_NAMESPACE: 'orders',
      INTERLACE_TEMPORAL_SCOPE: 'interlace-system.shop',
      INTERLACE_TEMPORAL_API_KEY: { secretKeyRef: { name: 'temporal-cloud', key: 'key' } },
      INTERLACE_TEMPORAL_TLS_CERT_FILE: '/etc/interlace/temporal-tls/tls.crt',
      INTERLACE_TEMPORAL_TLS_KEY_FILE: '/etc/interlace/temporal-tls/tls.key',
      INTERLACE_TEMPORAL_TLS_CA_FILE: '/etc/interlace/temporal-tls/ca.crt',
    });
    expect(container.volumeMounts).toContainEqual({ name: 'temporal-tls', mountPath: '/etc/interlace/temporal-tls', readOnly: true });
    expect(deployment.spec.template.spec.volumes).toContainEqual(
      expect.objectContaining({ name: 'temporal-tls', secret: expect.objectContaining({ secretName: 'temporal-client' }) }),
    );
    // The SDK's native core and the sandbox bundling at start need more memory than a route's worker.
    expect(container.resources).toMatchObject({ limits: { memory: '768Mi' } });
    // The image with the SDK for the workflow; routes keep the runtime image and get no Temporal settings.
    expect(container.image).toBe('ghcr.io/interlace-dev/interlace:1.0.0-temporal');
    const route = deploymentOf(plan.objects, 'route-orders-in')!.spec.template.spec.containers[0]!;
    expect(route.image).toBe('ghcr.io/interlace-dev/interlace:1.0.0-worker');
    expect(route.env.some((e) => e.name.startsWith('INTERLACE_TEMPORAL_'))).toBe(false);
  });
});

describe('planEstate: the Estate scope on a shared Temporal namespace', () => {
  const temporal = { address: 'temporal-frontend.temporal:7233' };
  const scopeOf = (input: PlanInput) => {
    const deployment = deploymentOf(planEstate(input).objects, 'workflow-order-flow-v1')!;
    return deployment.spec.template.spec.containers[0]!.env.find((e) => e.name === 'INTERLACE_TEMPORAL_SCOPE')?.value;
  };

  it('each Estate its own: <namespace>.<name> by default, the Estate’s spec.workflows.temporal.scope when set', () => {
    const options = { ...base.options, temporal };
    const eu = scopeOf({ ...base, estate: { name: 'estate-eu', namespace: 'shop' }, options });
    const us = scopeOf({ ...base, estate: { name: 'estate-us', namespace: 'shop-us' }, options });
    const staging = scopeOf({ ...base, estate: { name: 'estate-eu', namespace: 'shop-staging' }, options });
    expect([eu, us, staging]).toEqual(['shop.estate-eu', 'shop-us.estate-us', 'shop-staging.estate-eu']);
    // The same Estate in another Kubernetes cluster on the same Temporal names its own.
    const own = { ...base.options, temporal: { ...temporal, scope: 'prod-eu' } };
    expect(scopeOf({ ...base, estate: { name: 'estate-eu', namespace: 'shop' }, options: own })).toBe('prod-eu');
    // The controller's count query uses the same scope (controller/reconcile/reconcile-estate.ts).
    expect(temporalScope(temporal, { name: 'estate-eu', namespace: 'shop' })).toBe(eu);
  });

  it('a namespace and name too long for a scope: readable, within 63 characters, and still apart', () => {
    const namespace = 'n'.repeat(63);
    const a = temporalScope(temporal, { namespace, name: `${'e'.repeat(60)}-a` });
    const b = temporalScope(temporal, { namespace, name: `${'e'.repeat(60)}-b` });
    expect(a).not.toBe(b);
    for (const scope of [a, b]) {
      expect(scope.length).toBeLessThanOrEqual(63);
      expect(scope.startsWith(namespace.slice(0, 40))).toBe(true);
      expect(scopeProblem(scope)).toBeUndefined();
    }
  });
});

describe('temporalSettings (the worker side)', () => {
  it('no address: no Temporal; flags win over the environment; the API key only from the environment', () => {
    expect(temporalSettings({}, {})).toEqual({ ok: true, settings: undefined });
    const result = temporalSettings(
      { address: 'flag-host:7233' },
      { INTERLACE_TEMPORAL_ADDRESS: 'env-host:7233', INTERLACE_TEMPORAL_NAMESPACE: 'orders', INTERLACE_TEMPORAL_API_KEY: 'k' },
    );
    expect(result).toEqual({ ok: true, settings: { address: 'flag-host:7233', namespace: 'orders', apiKey: 'k' } });
    // The scope: the controller's variable, or the flag; none by default (the names stay unscoped).
    expect(temporalSettings({ address: 'h:7233' }, { INTERLACE_TEMPORAL_SCOPE: 'shop.estate-eu' })).toEqual({
      ok: true,
      settings: { address: 'h:7233', namespace: 'default', scope: 'shop.estate-eu' },
    });
    const flag = temporalSettings({ address: 'h:7233', scope: 'laptop' }, { INTERLACE_TEMPORAL_SCOPE: 'shop.estate-eu' });
    expect(flag).toMatchObject({ settings: { scope: 'laptop' } });
  });

  it('a scope that is not one: one message, before anything connects', () => {
    for (const scope of ['shop/estate', 'shop estate', '-shop', 'x'.repeat(64), "shop'"]) {
      const result = temporalSettings({ address: 'h:7233', scope }, {});
      expect(result.ok ? undefined : result.error, scope).toContain('is not 1–63 letters, digits');
    }
  });

  it('bad settings are one message each: not host:port, a certificate without its key, an unreadable file', () => {
    const error = (r: ReturnType<typeof temporalSettings>) => (r.ok ? undefined : r.error);
    expect(error(temporalSettings({ address: 'http://temporal:7233' }, {}))).toContain('is not host:port');
    expect(error(temporalSettings({ address: 'temporal:7233', tlsCert: '/x.crt' }, {}))).toContain('both a client certificate and its key');
    expect(error(temporalSettings({ address: 'temporal:7233', tlsCert: '/nonexistent/tls.crt', tlsKey: '/nonexistent/tls.key' }, {}))).toBe(
      'cannot read the Temporal client certificate /nonexistent/tls.crt: ENOENT',
    );
  });
});

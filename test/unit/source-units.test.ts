// A System with `spec.sources` becomes a deployable unit `source-<system>`: generate bundles it (the
// System with its sources and the routes of its events, no secret values), plan gives it a
// Deployment with the sources' Secret keys as environment variables and, for a webhook, a Service.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planEstate } from '../../controller/plan/index.ts';
import type { KubeObject } from '../../controller/plan/index.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { ValidationSession } from '../../language/validation-session.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/webhook-estate');

type EnvVar = { name: string; value?: string; valueFrom?: unknown };
const containerEnv = (deployment: KubeObject): EnvVar[] =>
  (deployment.spec as { template: { spec: { containers: { env: EnvVar[] }[] } } }).template.spec.containers[0]!.env;

describe('source units', () => {
  it('are generated and planned with a Service and their secrets', async () => {
    const run = new ValidationSession().run([FIXTURE]);
    expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const generated = await new Generator().generate({
      documents: run.result.documents,
      index: run.result.index,
      support: readSupportSources(),
    });
    const manifest = JSON.parse(generated.files.get('bundles/source-shop.manifest.json')!) as { kind: string; name: string };
    expect(manifest).toMatchObject({ unit: 'source-shop', kind: 'System', name: 'shop' });
    const bundle = generated.files.get('bundles/source-shop.js')!;
    expect(bundle).toContain('X-Shopify-Hmac-Sha256');
    expect(bundle).toContain('shop-product-updated');
    // The other System's route is not in this unit.
    expect(bundle).not.toContain('bc-customer-changed');

    const plan = planEstate({
      estate: { name: 'shop', namespace: 'interlace-system' },
      targetNamespace: 'shop',
      revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
      documents: run.result.documents,
      generated: generated.files,
      runtimeImage: 'ghcr.io/interlace-dev/interlace:1.0.0',
      options: { backbone: { url: 'nats://nats.shop:4222' }, includeCrds: false },
    });
    expect(plan.diagnostics).toEqual([]);
    const find = (kind: string, name: string): KubeObject | undefined =>
      plan.objects.find((o) => o.object.kind === kind && o.object.metadata.name === name)?.object;
    const deployment = find('Deployment', 'source-shop')!;
    const env = containerEnv(deployment);
    expect(env.find((e) => e.name === 'INTERLACE_UNIT')?.value).toBe('source-shop');
    expect(env.find((e) => e.name === 'SHOP_WEBHOOK_WEBHOOK_SECRET')?.valueFrom).toEqual({
      secretKeyRef: { name: 'shop-webhook', key: 'webhook-secret' },
    });
    expect(find('Service', 'source-shop')).toBeDefined();
    const bcEnv = containerEnv(find('Deployment', 'source-bc')!).map((e) => e.name);
    expect(bcEnv).toContain('BC_WEBHOOK_CLIENT_STATE');
    const unit = plan.units.find((u) => u.id === 'source-shop')!;
    expect(unit.owner).toMatchObject({ kind: 'System', name: 'shop' });
  });
});

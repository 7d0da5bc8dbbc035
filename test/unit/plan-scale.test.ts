// spec.scale on EventRoutes and Apis (issue 12 part 4): validation at the line that is wrong, a fixed
// replicas count on the Deployment, and autoscale as an autoscaling/v2 HPA with the Deployment's
// replicas left out (so apply never fights the autoscaler).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { planEstate } from '../../controller/plan/index.ts';
import type { KubeObject } from '../../controller/plan/index.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const FIXTURE = new URL('../fixtures/plan-estate/', import.meta.url);
let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

/** The plan-estate fixture with `scale` blocks added under the route's and the API's `spec:`. */
function estate(routeScale: string, apiScale = '') {
  const files: Record<string, string> = {};
  for (const name of ['contracts.yaml', 'mapping.yaml']) files[name] = readFileSync(new URL(name, FIXTURE), 'utf8');
  for (const name of readdirSync(new URL('fixtures/', FIXTURE)))
    files[`fixtures/${name}`] = readFileSync(new URL(`fixtures/${name}`, FIXTURE), 'utf8');
  files['route-api.yaml'] = readFileSync(new URL('route-api.yaml', FIXTURE), 'utf8')
    .replace(
      '  source: { system: legacy-erp, event: SalesOrder.Created',
      `${routeScale}  source: { system: legacy-erp, event: SalesOrder.Created`,
    )
    .replace('  basePath: /order-status/v1\n', `  basePath: /order-status/v1\n${apiScale}`);
  const tree = tempTree(files);
  cleanups.push(tree.cleanup);
  return { tree, text: files['route-api.yaml'] };
}

function validate(routeScale: string, apiScale = '') {
  const { tree, text } = estate(routeScale, apiScale);
  const run = new ValidationSession().run([tree.root], { cwd: tree.root });
  return { run, text };
}

async function plan(routeScale: string, apiScale = '') {
  const { run } = validate(routeScale, apiScale);
  expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const generated = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  return planEstate({
    estate: { name: 'shop', namespace: 'interlace-system' },
    targetNamespace: 'shop',
    revision: 'working-tree',
    documents: run.result.documents,
    generated: generated.files,
    runtimeImage: 'ghcr.io/interlace-dev/interlace:1.0.0',
    options: { backbone: { url: 'nats://nats.shop:4222' } },
  });
}

const object = (objects: { object: KubeObject }[], kind: string, name: string) =>
  objects.find((o) => o.object.kind === kind && o.object.metadata.name === name)?.object;
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('spec.scale', () => {
  it('replicas sets the Deployment; autoscale plans an HPA and leaves replicas out', async () => {
    const result = await plan('  scale: { replicas: 3 }\n', '  scale:\n    autoscale: { min: 2, max: 6, cpu: 70 }\n');
    expect(result.diagnostics).toEqual([]);
    const route = object(result.objects, 'Deployment', 'route-sap-order-created')!;
    expect((route.spec as { replicas?: number }).replicas).toBe(3);
    expect(object(result.objects, 'HorizontalPodAutoscaler', 'route-sap-order-created')).toBeUndefined();

    const api = object(result.objects, 'Deployment', 'api-order-status-v1')!;
    expect('replicas' in (api.spec as object)).toBe(false);
    const hpa = object(result.objects, 'HorizontalPodAutoscaler', 'api-order-status-v1')!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api-order-status-v1' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    // Owned by the Api and labelled as the estate's, so it is pruned with the unit.
    expect(hpa.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Api', controller: true });
    expect(hpa.metadata.labels).toMatchObject({ 'interlace.dev/estate': 'shop', 'interlace.dev/unit': 'api-order-status-v1' });
    // Applied after the Deployment it scales.
    const keys = result.objects.map((o) => o.key);
    expect(keys.indexOf('autoscaling/v2/HorizontalPodAutoscaler/shop/api-order-status-v1')).toBeGreaterThan(
      keys.indexOf('apps/v1/Deployment/shop/api-order-status-v1'),
    );
  }, 60_000);

  it('autoscale defaults: min 1, cpu 80 %', async () => {
    const result = await plan('  scale: { autoscale: { max: 4 } }\n');
    const hpa = object(result.objects, 'HorizontalPodAutoscaler', 'route-sap-order-created')!;
    expect(hpa.spec).toMatchObject({ minReplicas: 1, maxReplicas: 4, metrics: [{ resource: { target: { averageUtilization: 80 } } }] });
  }, 60_000);

  it('no scale: the Deployment has no replicas and there is no HPA (plans as before)', async () => {
    const result = await plan('');
    expect('replicas' in (object(result.objects, 'Deployment', 'route-sap-order-created')!.spec as object)).toBe(false);
    expect(result.objects.some((o) => o.object.kind === 'HorizontalPodAutoscaler')).toBe(false);
  }, 60_000);

  it('min above max is an error at min; replicas with autoscale is an error at replicas', () => {
    const wrong = validate('  scale:\n    autoscale: { min: 5, max: 2 }\n', '  scale:\n    replicas: 2\n    autoscale: { max: 3 }\n');
    const errors = wrong.run.diagnostics.filter((d) => d.code === 'scale-invalid');
    expect(errors).toHaveLength(2);
    const range = errors.find((d) => d.message.includes('above'))!;
    expect(range.path).toEqual(['spec', 'scale', 'autoscale', 'min']);
    expect(range.range.start.line).toBe(lineOf(wrong.text, 'autoscale: { min: 5'));
    expect(range.hint).toContain('min: 2, max: 5');
    const both = errors.find((d) => d.message.includes('both'))!;
    expect(both.range.start.line).toBe(lineOf(wrong.text, 'replicas: 2'));
  });

  it('a per-key route may run several replicas: no warning (its order holds across replicas)', () => {
    const perKey = (scale: string) => {
      const { tree } = estate('');
      const path = `${tree.root}/route-api.yaml`;
      const text = readFileSync(path, 'utf8').replace(
        '  source: { system: legacy-erp, event: SalesOrder.Created',
        `  ordering: per-key\n${scale}  source: { system: legacy-erp, event: SalesOrder.Created`,
      );
      expect(text).toContain('ordering: per-key');
      writeFileSync(path, text);
      const run = new ValidationSession().run([tree.root], { cwd: tree.root });
      return run.diagnostics.filter((d) => d.path?.[1] === 'scale' || d.path?.[1] === 'ordering');
    };
    expect(perKey('  scale: { replicas: 2 }\n')).toEqual([]);
    expect(perKey('  scale: { autoscale: { min: 1, max: 3 } }\n')).toEqual([]);
  });

  it('a misspelt or out-of-range field is a schema error at its line', () => {
    const wrong = validate('  scale: { autoscale: { max: 0, maxx: 3 } }\n');
    const errors = wrong.run.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const e of errors) expect(e.range.start.line).toBe(lineOf(wrong.text, 'scale:'));
    expect(errors.some((e) => /maxx/.test(e.message))).toBe(true);
  });
});

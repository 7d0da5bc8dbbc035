// The Estate informer against the real API server: the chart's Estate CRD (under a group unique to
// the test), create/update/delete turned into queue keys, status-only writes ignored, and recovery
// with re-list after the resource disappears and comes back.
import { readFileSync } from 'node:fs';
import { ApiextensionsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.ts';
import { ResourceInformer } from '../../controller/reconcile/informer.ts';
import type { InformerEvent, ResourceRef } from '../../controller/reconcile/informer.ts';
import { clusterUnavailable, kubeConfig, useTestNamespace } from './harness/context.ts';

const CHART_CRD = new URL('../../charts/interlace/crds/interlace.dev_estates.yaml', import.meta.url);

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The chart's Estate CRD moved to a group of its own, so reruns and other tests never collide. */
function estateCrd(group: string): V1CustomResourceDefinition {
  const crd = parse(readFileSync(CHART_CRD, 'utf8')) as V1CustomResourceDefinition;
  crd.metadata = { name: `estates.${group}` };
  crd.spec.group = group;
  return crd;
}

async function installCrd(group: string): Promise<void> {
  const ext = kubeConfig().makeApiClient(ApiextensionsV1Api);
  await ext.createCustomResourceDefinition({ body: estateCrd(group) });
  await until('CRD established', async () => {
    const crd = await ext.readCustomResourceDefinition({ name: `estates.${group}` });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  });
}

async function removeCrd(group: string): Promise<void> {
  const ext = kubeConfig().makeApiClient(ApiextensionsV1Api);
  await ext.deleteCustomResourceDefinition({ name: `estates.${group}` }).catch(() => undefined);
  await until(
    'CRD gone',
    () =>
      ext.readCustomResourceDefinition({ name: `estates.${group}` }).then(
        () => false,
        () => true,
      ),
    30_000,
  );
}

function estate(namespace: string, name: string, url = 'https://git.example.com/acme/specs.git') {
  return { apiVersion: '', kind: 'Estate', metadata: { name, namespace }, spec: { source: { url, ref: { branch: 'main' } } } };
}

describe.skipIf(clusterUnavailable())('Estate informer', () => {
  const ns = useTestNamespace();
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp() {
    const group = `${ns()}.test.interlace.dev`;
    await installCrd(group);
    cleanups.push(() => removeCrd(group));
    const resource: ResourceRef = { group, version: 'v1alpha1', plural: 'estates' };
    const api = kubeConfig().makeApiClient(CustomObjectsApi);
    const create = (name: string) =>
      api.createNamespacedCustomObject({
        group,
        version: 'v1alpha1',
        plural: 'estates',
        namespace: ns(),
        body: { ...estate(ns(), name), apiVersion: `${group}/v1alpha1` },
      });
    const keys: [string, InformerEvent][] = [];
    const logs: string[] = [];
    const informer = new ResourceInformer({
      kubeConfig: kubeConfig(),
      resource,
      onKey: (k, e) => keys.push([k, e]),
      backoff: { baseMs: 200, maxMs: 1000 },
      log: createLogger({ write: (l) => logs.push(l) }),
    });
    cleanups.push(() => informer.stop());
    return { group, resource, api, create, keys, informer, logs };
  }

  it('lists existing Estates, then turns create, spec update and delete into namespace/name keys', async () => {
    const { group, api, create, keys, informer } = await setUp();
    await create('existing');
    expect(informer.hasSynced()).toBe(false);
    await informer.start();
    await informer.waitForSync(10_000);
    expect(informer.hasSynced()).toBe(true);
    expect(keys).toEqual([[`${ns()}/existing`, 'add']]);
    expect(informer.get(`${ns()}/existing`)?.metadata?.name).toBe('existing');

    await create('shop');
    await until('add', () => keys.some(([k, e]) => k === `${ns()}/shop` && e === 'add'));
    await api.patchNamespacedCustomObject({
      group,
      version: 'v1alpha1',
      plural: 'estates',
      namespace: ns(),
      name: 'shop',
      body: [{ op: 'replace', path: '/spec/source/url', value: 'https://git.example.com/acme/other.git' }],
    });
    await until('update', () => keys.some(([k, e]) => k === `${ns()}/shop` && e === 'update'));
    await api.deleteNamespacedCustomObject({ group, version: 'v1alpha1', plural: 'estates', namespace: ns(), name: 'shop' });
    await until('delete', () => keys.some(([k, e]) => k === `${ns()}/shop` && e === 'delete'));
    expect(keys.filter(([k]) => k === `${ns()}/shop`).map(([, e]) => e)).toEqual(['add', 'update', 'delete']);
    expect(informer.get(`${ns()}/shop`)).toBeUndefined();
  });

  it("ignores status-only writes (the reconciler's own) but not annotation changes", async () => {
    const { group, api, create, keys, informer } = await setUp();
    await informer.start();
    await create('shop');
    await until('add', () => keys.length === 1);
    await api.patchNamespacedCustomObjectStatus({
      group,
      version: 'v1alpha1',
      plural: 'estates',
      namespace: ns(),
      name: 'shop',
      body: [{ op: 'add', path: '/status', value: { lastAttemptedRevision: `main@sha1:${'a'.repeat(40)}` } }],
    });
    await until(
      'status seen in cache',
      () =>
        (informer.get(`${ns()}/shop`) as { status?: { lastAttemptedRevision?: string } } | undefined)?.status?.lastAttemptedRevision !==
        undefined,
    );
    expect(keys).toEqual([[`${ns()}/shop`, 'add']]);
    // A "reconcile now" annotation (like Flux's requestedAt) does enqueue.
    await api.patchNamespacedCustomObject({
      group,
      version: 'v1alpha1',
      plural: 'estates',
      namespace: ns(),
      name: 'shop',
      body: [{ op: 'add', path: '/metadata/annotations', value: { 'interlace.dev/requested-at': '1' } }],
    });
    await until('annotation update', () => keys.length === 2);
    expect(keys[1]).toEqual([`${ns()}/shop`, 'update']);
  });

  it('survives the resource disappearing: errors, backs off, re-lists and resumes when it is back', async () => {
    const { group, create, keys, informer, logs } = await setUp();
    await create('before');
    await informer.start();
    await until('initial add', () => keys.length === 1);
    // Deleting the CRD deletes its objects and breaks the watch (the path is gone: 404s).
    await removeCrd(group);
    await until('delete of the vanished object', () => keys.some(([k, e]) => k === `${ns()}/before` && e === 'delete'), 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    await installCrd(group);
    await create('after');
    await until('add after recovery', () => keys.some(([k, e]) => k === `${ns()}/after` && e === 'add'), 30_000);
    expect(informer.hasSynced()).toBe(true);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['after']);
    // It really went through the error path (404 while the resource was gone) and restarted.
    expect(logs.some((l) => JSON.parse(l).reason === 'WatchError')).toBe(true);
  });
});

// The specs a worker runs on come from its bundles, each unit embedding the slice of a shared document it
// reads: a route unit the System it calls (endpoint, auth, limits), the System's source unit also its
// `sources`. A worker running both units must see the whole System — with the route's copy alone it
// started no source at all (found by test/broker/x12-997-kill.test.ts: the X12 pickup never ran).
import { describe, expect, it } from 'vitest';
import { estateFromBundles, loadBundles } from '../../../runtime/worker/bundle.ts';
import { findSystem } from '../../../runtime/worker/estate.ts';

const BUNDLES = new URL('../../../generated/bundles', import.meta.url).pathname;
const ROUTE = 'route-purchase-order-to-supplier';
const SOURCE = 'source-edi-partner';

describe('the estate of several units from their bundles', () => {
  for (const units of [
    [ROUTE, SOURCE],
    [SOURCE, ROUTE],
  ]) {
    it(`${units.join(' + ')}: the partner System keeps its sources and its endpoint`, async () => {
      const estate = estateFromBundles(await loadBundles(BUNDLES, units));
      const partner = findSystem(estate, 'edi-partner')!;
      expect(partner.spec.sources?.files?.length).toBeGreaterThan(0);
      expect(partner.spec.endpoint.protocol).toBe('edi-x12');
      expect(estate.systems.filter((s) => s.metadata.name === 'edi-partner')).toHaveLength(1);
    });
  }

  it('the route unit alone carries no sources of the System it calls (each unit embeds only what it reads)', async () => {
    const estate = estateFromBundles(await loadBundles(BUNDLES, [ROUTE]));
    expect(findSystem(estate, 'edi-partner')!.spec.sources).toBeUndefined();
  });

  it('merging copies: the documents embedded in the loaded bundles are not changed', async () => {
    const bundles = await loadBundles(BUNDLES, [ROUTE, SOURCE]);
    const before = structuredClone(bundles.map((b) => b.exports[b.manifest.estate!]));
    estateFromBundles(bundles);
    expect(bundles.map((b) => b.exports[b.manifest.estate!])).toEqual(before);
  });
});

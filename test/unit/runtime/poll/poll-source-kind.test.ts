// The poll kind in the registry of sources: `spec.sources.poll` becomes one PollSource per entry,
// `{name}` placeholders in its paths come from System parameters (`<SYSTEM>_PARAM_<NAME>`), `{id}` in
// an acknowledgement path stays for the entry id, and a parameter that is not set fails at start.
import { describe, expect, it } from 'vitest';
import type { System } from '../../../../language/kinds/generated/kinds.ts';
import { createSources } from '../../../../runtime/adapters/sources/create-sources.ts';
import type { PollSource } from '../../../../runtime/adapters/sources/poll/poll-source.ts';

const system: System = {
  apiVersion: 'interlace.dev/v1alpha1',
  kind: 'System',
  metadata: { name: 'cloud-erp' },
  spec: {
    type: 'erp',
    hosting: 'saas',
    endpoint: { protocol: 'http', url: 'https://api.example.com/v2.0/api/v2.0', format: 'json' },
    sources: {
      poll: [
        {
          name: 'items',
          event: 'Item.Changed',
          odata: { path: '/companies({companyId})/items', key: ['id'], modifiedField: 'lastModifiedDateTime' },
        },
        {
          name: 'events',
          event: 'X.Happened',
          queue: { path: '/companies({companyId})/events', idField: 'id', ack: { path: '/companies({companyId})/events({id})' } },
        },
      ],
    },
  },
};

describe('poll source kind', () => {
  it('one adapter per entry, paths filled from System parameters', () => {
    const adapters = createSources(system, { env: { CLOUD_ERP_PARAM_COMPANYID: 'c0de 1' } }) as PollSource[];
    expect(adapters.map((a) => `${a.kind}/${a.name}`)).toEqual(['poll/items', 'poll/events']);
    expect(adapters[0]!.settings.odata!.path).toBe('/companies(c0de%201)/items');
    expect(adapters[1]!.settings.queue!.path).toBe('/companies(c0de%201)/events');
    expect(adapters[1]!.settings.queue!.ackPath).toBe('/companies(c0de%201)/events({id})');
    expect(adapters[0]!.settings.odata!.version).toBe('v4');
  });

  it('a parameter that is not set names the variable', () => {
    expect(() => createSources(system, { env: {} })).toThrow(/CLOUD_ERP_PARAM_COMPANYID is not set/);
  });
});

// System.spec.sources.poll validation: the schema's did-you-mean for a misspelt field, and the checks
// of language/validate/check-poll-sources.ts — exactly one of odata/queue, an http endpoint, unique
// names, {id} as the only acknowledgement placeholder, a version that contradicts endpoint.format.
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../language/load/load-sources.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';

function system(
  sources: string,
  endpoint = '{ protocol: http, url: "https://erp.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV", format: odata-v2 }',
) {
  const text = `apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: sap }
spec:
  type: erp
  hosting: on-prem
  endpoint: ${endpoint}
  sources:
${sources}
`;
  const loaded = loadSources([{ path: 'sap.yaml', text }]);
  expect(loaded.diagnostics).toEqual([]);
  return validateEstate(loaded.documents).diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    path: d.path.join('.'),
    message: d.message,
    hint: d.hint,
    line: d.range.start.line,
  }));
}

const ORDERS = `    poll:
      - name: sales-orders
        event: SalesOrder.Changed
        interval: 1m
        odata: { path: /A_SalesOrder, key: [SalesOrder], modifiedField: LastChangeDateTime, expand: [to_Item] }`;

describe('sources.poll validation', () => {
  it('a well-formed OData and queue poll: no diagnostics', () => {
    expect(
      system(`${ORDERS}
      - name: events
        event: BusinessPartner.Changed
        queue: { path: /events, idField: id, ack: { method: DELETE, path: "/companies({companyId})/events/{id}" } }`),
    ).toEqual([]);
  });

  it('a misspelt field gets a did-you-mean at its line', () => {
    const diagnostics = system(ORDERS.replace('modifiedField', 'modifedField'));
    const d = diagnostics.find((x) => x.code === 'schema-unknown-field');
    expect(d).toMatchObject({ path: 'spec.sources.poll.0.odata.modifedField', line: 13 });
    expect(d!.hint).toContain('modifiedField');
  });

  it('neither or both of odata and queue; a repeated name', () => {
    const diagnostics = system(`    poll:
      - { name: a, event: X.Changed }
      - name: b
        event: X.Changed
        odata: { path: /X, key: [id], modifiedField: changedAt }
        queue: { path: /q, idField: id, ack: { path: "/q/{id}" } }
      - name: b
        event: Y.Changed
        odata: { path: /Y, key: [id], modifiedField: changedAt }`);
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['poll-source-invalid', 'spec.sources.poll.0'],
      ['poll-source-invalid', 'spec.sources.poll.1'],
      ['duplicate-entry', 'spec.sources.poll.2.name'],
    ]);
    expect(diagnostics[0]!.message).toMatch(/neither/);
    expect(diagnostics[1]!.message).toMatch(/both/);
  });

  it('an acknowledgement placeholder other than {id}: did you mean {id}', () => {
    const [d] = system(`    poll:
      - name: events
        event: X.Changed
        queue: { path: /events, idField: eventId, ack: { path: "/events/{ID}" } }`);
    expect(d).toMatchObject({ code: 'poll-source-invalid', path: 'spec.sources.poll.0.queue.ack.path' });
    expect(d!.hint).toBe('Did you mean {id}? Write /events/{id}.');
  });

  it('polling a System that is not http; a version against endpoint.format is a warning', () => {
    const notHttp = system(ORDERS, '{ protocol: file, directory: /in }');
    expect(notHttp.map((d) => [d.code, d.path])).toEqual([['poll-source-invalid', 'spec.sources.poll']]);
    const [d] = system(ORDERS.replace('odata: { ', 'odata: { version: v4, '));
    expect(d).toMatchObject({ code: 'poll-source-invalid', severity: 'warning', path: 'spec.sources.poll.0.odata.version' });
  });
});

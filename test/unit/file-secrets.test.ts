// The Secret keys a unit's worker gets for file locations (controller/plan/unit-secrets.ts): a route
// delivering to a file System on an SFTP server mounts that System's SFTP login (private-key,
// passphrase, password, each optional), and a System's source unit mounts its file pickups' logins.
import { describe, expect, it } from 'vitest';
import { unitSecretEnv } from '../../controller/plan/unit-secrets.ts';
import { estateOf } from '../helpers/estate.ts';
import { HEADER } from '../helpers/specs.ts';

const HOST_KEY = 'SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';

const files = {
  'contract.yaml': `${HEADER}
kind: DataContract
metadata: { name: invoice }
spec:
  version: 1.0.0
  owner: team-finance
  identity: [invoiceNumber]
  schema: { type: object, properties: { invoiceNumber: { type: string } } }
`,
  'finance.yaml': `${HEADER}
kind: System
metadata: { name: finance }
spec:
  type: finance
  hosting: cloud
  owner: team-finance
  endpoint: { protocol: file, directory: /in, url: "sftp://u@h", sftp: { secretRef: { name: finance-sftp }, hostKey: "${HOST_KEY}" }, format: csv }
  limits: { concurrency: 1 }
`,
  'partner.yaml': `${HEADER}
kind: System
metadata: { name: partner }
spec:
  type: edi-partner
  hosting: cloud
  owner: team-b2b
  endpoint: { protocol: file, directory: /unused }
  limits: { concurrency: 1 }
  sources:
    files:
      - { name: invoices, directory: /inbound, url: "sftp://u@p", sftp: { secretRef: { name: partner-sftp }, hostKey: "${HOST_KEY}" }, format: csv, event: Invoice.Received }
`,
  'route.yaml': `${HEADER}
kind: EventRoute
metadata: { name: invoices }
spec:
  owner: team-finance
  source: { system: partner, event: Invoice.Received, contract: invoice@1 }
  targets:
    - { name: ledger, system: finance, operation: "{invoiceNumber}.csv" }
`,
};

describe('SFTP logins in the plan', () => {
  it('mounts the file target System’s login on the route unit and the pickup’s login on the source unit, all optional', () => {
    const { index, documents } = estateOf(files);
    const route = documents.find((d) => d.kind === 'EventRoute')!;
    const partner = documents.find((d) => d.kind === 'System' && d.name === 'partner')!;
    expect(unitSecretEnv(route, index).map((s) => [s.variable, s.optional])).toEqual([
      ['FINANCE_SFTP_PASSPHRASE', true],
      ['FINANCE_SFTP_PASSWORD', true],
      ['FINANCE_SFTP_PRIVATE_KEY', true],
    ]);
    expect(unitSecretEnv(partner, index).map((s) => [s.variable, s.optional])).toEqual([
      ['PARTNER_SFTP_PASSPHRASE', true],
      ['PARTNER_SFTP_PASSWORD', true],
      ['PARTNER_SFTP_PRIVATE_KEY', true],
    ]);
  });

  it('mounts an EDI partner’s endpoint login on its source unit when an x12 pickup answers with 997s there', () => {
    const partner = `${HEADER}
kind: System
metadata: { name: northwind }
spec:
  type: edi-partner
  hosting: cloud
  owner: team-b2b
  endpoint:
    protocol: edi-x12
    directory: /inbound
    url: "sftp://u@as2-gateway"
    sftp: { secretRef: { name: northwind-drop }, hostKey: "${HOST_KEY}" }
    x12: { senderId: "999999999", receiverId: "4405197800", version: "004010" }
  limits: { concurrency: 1 }
  sources:
    files:
      - { name: x12, directory: /outbound, url: "sftp://u@p", sftp: { secretRef: { name: northwind-pickup }, hostKey: "${HOST_KEY}" }, format: x12, event: Invoice.Received }
`;
    const { index, documents } = estateOf({
      ...files,
      'northwind.yaml': partner,
      'northwind-route.yaml': files['route.yaml']
        .replace('name: invoices', 'name: northwind-invoices')
        .replace('system: partner', 'system: northwind'),
    });
    const system = documents.find((d) => d.kind === 'System' && d.name === 'northwind')!;
    expect(unitSecretEnv(system, index).map((s) => s.variable)).toEqual([
      'NORTHWIND_DROP_PASSPHRASE',
      'NORTHWIND_DROP_PASSWORD',
      'NORTHWIND_DROP_PRIVATE_KEY',
      'NORTHWIND_PICKUP_PASSPHRASE',
      'NORTHWIND_PICKUP_PASSWORD',
      'NORTHWIND_PICKUP_PRIVATE_KEY',
    ]);
  });
});

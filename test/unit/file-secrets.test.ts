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
});

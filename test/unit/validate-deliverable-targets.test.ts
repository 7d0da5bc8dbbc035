import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const contract = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata:
  name: transaction
spec:
  version: 1.0.0
  owner: team-finance
  identity: [transactionId]
  schema:
    type: object
    properties:
      transactionId: { type: string }
`;

const system = (name: string, endpoint: string) => `apiVersion: interlace.dev/v1alpha1
kind: System
metadata:
  name: ${name}
spec:
  type: finance
  hosting: cloud
  owner: team-finance
  endpoint: ${endpoint}
  limits: { concurrency: 1 }
  contracts: [transaction@1]
`;

const route = (target: string, operation = 'POST /rows') => `apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata:
  name: transactions
spec:
  owner: team-finance
  source:
    topic: finance.transactions
    contract: transaction@1
  key: [transactionId]
  targets:
    - name: landing
      system: ${target}
      operation: ${operation}
      delivery:
        timeout: 30s
        retry: { maxAttempts: 3, initialBackoff: 1s, maxBackoff: 1m, multiplier: 2 }
        deadLetter: { topic: dlq.transactions.landing }
`;

/** An EDI partner whose interchanges go to a local directory (the X12 target, docs/adapters.md#targets-x12). */
const PARTNER = '{ protocol: edi-x12, directory: /mnt/edi/outbound, x12: { senderId: "1", receiverId: "2", version: "004010" } }';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('route targets the worker cannot deliver to (issue 12, part 5)', () => {
  it('refuses a file System writing x12 at its system: line, and accepts http, nats, edi-x12 and json or csv files', async () => {
    const tree = tempTree({
      'specs/transaction.yaml': contract,
      'specs/file-drop.yaml': system('file-drop', '{ protocol: file, directory: /mnt/landing, format: x12 }'),
      'specs/partner.yaml': system(
        'partner',
        '{ protocol: edi-x12, url: "https://as2.example.com/", directory: /mnt/partner, x12: { senderId: "1", receiverId: "2", version: "004010" } }',
      ),
      'specs/landing-api.yaml': system('landing-api', '{ protocol: http, url: "https://landing.example.com/" }'),
      'specs/landing-bus.yaml': system('landing-bus', '{ protocol: nats, subject: landing }'),
      'specs/route-file.yaml': route('file-drop'),
    });
    cleanup = tree.cleanup;
    const result = await runCli(['validate', '--format', 'json'], tree.root);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.diagnostics).toEqual([
      expect.objectContaining({
        code: 'route-target-undeliverable',
        severity: 'error',
        file: 'specs/route-file.yaml',
        path: ['spec', 'targets', 0, 'system'],
        range: expect.objectContaining({ start: { line: 13, column: 15 } }),
        message: expect.stringContaining('as `x12`; a file target writes json or csv'),
        hint: expect.stringContaining('protocol: edi-x12'),
      }),
    ]);

    for (const [target, code] of [
      ['partner', 0],
      ['landing-api', 0],
      ['landing-bus', 0],
      ['landing-files', 0],
      ['landing-csv', 0],
    ] as const) {
      const other = tempTree({
        'specs/transaction.yaml': contract,
        'specs/landing-files.yaml': system('landing-files', '{ protocol: file, directory: /mnt/landing }'),
        'specs/landing-csv.yaml': system(
          'landing-csv',
          '{ protocol: file, directory: /mnt/landing, format: csv, csv: { delimiter: ";", decimal: "," } }',
        ),
        'specs/partner.yaml': system('partner', PARTNER),
        'specs/landing-api.yaml': system('landing-api', '{ protocol: http, url: "https://landing.example.com/" }'),
        'specs/landing-bus.yaml': system('landing-bus', '{ protocol: nats, subject: landing }'),
        'specs/route.yaml': route(target, target === 'partner' ? '"810"' : 'POST /rows'),
      });
      const outcome = await runCli(['validate', '--format', 'json'], other.root);
      other.cleanup();
      expect({ target, code: outcome.code, codes: JSON.parse(outcome.stdout).diagnostics.map((d: { code: string }) => d.code) }).toEqual({
        target,
        code,
        codes: code ? ['route-target-undeliverable'] : [],
      });
    }
  });

  it('an edi-x12 target names the transaction set it writes in operation, with a did-you-mean', async () => {
    const tree = tempTree({
      'specs/transaction.yaml': contract,
      'specs/partner.yaml': system('partner', PARTNER),
      'specs/route.yaml': route('partner', 'POST /8100'),
    });
    cleanup = tree.cleanup;
    const result = await runCli(['validate', '--format', 'json'], tree.root);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).diagnostics).toEqual([
      expect.objectContaining({
        code: 'route-target-undeliverable',
        path: ['spec', 'targets', 0, 'operation'],
        range: expect.objectContaining({ start: { line: 14, column: 18 } }),
        message:
          'target "landing" writes X12 interchanges to System partner; its `operation` names the transaction set it writes (ST01), not "POST /8100"',
        hint: expect.stringContaining('(did you mean "810"?); X12 targets write 810, 820,'),
      }),
    ]);
  });
});

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

const route = (target: string) => `apiVersion: interlace.dev/v1alpha1
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
      operation: POST /rows
      delivery:
        timeout: 30s
        retry: { maxAttempts: 3, initialBackoff: 1s, maxBackoff: 1m, multiplier: 2 }
        deadLetter: { topic: dlq.transactions.landing }
`;

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('route targets the worker cannot deliver to (issue 12, part 5)', () => {
  it('refuses a target on an edi-x12 System or a file System writing x12 at its system: line, and accepts http, nats and json or csv files', async () => {
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
      ['partner', 1],
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
        'specs/partner.yaml': system(
          'partner',
          '{ protocol: edi-x12, url: "https://as2.example.com/", directory: /mnt/partner, x12: { senderId: "1", receiverId: "2", version: "004010" } }',
        ),
        'specs/landing-api.yaml': system('landing-api', '{ protocol: http, url: "https://landing.example.com/" }'),
        'specs/landing-bus.yaml': system('landing-bus', '{ protocol: nats, subject: landing }'),
        'specs/route.yaml': route(target),
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
});

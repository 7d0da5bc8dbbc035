// A CSV pickup run by `interlace worker` from its generated bundle types its columns by the pickup's
// `contract` as `interlace run` does: the source unit's bundle carries that contract's schema. (It
// carried only identity and business keys, so under the worker every value stayed text.)
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import { natsServerOrSkipReason, startNatsServer } from '../harness/nats-server.ts';
import type { NatsServer } from '../harness/nats-server.ts';
import { eventually, freePort, generateBundlesFromText, startWorkerProcess } from '../worker-fixtures.ts';
import type { WorkerProcess } from '../worker-fixtures.ts';
import { stored } from './files-support.ts';

const prerequisite = await natsServerOrSkipReason();

const estate = (inbox: string) => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: partner-invoice }
spec:
  version: 1.0.0
  owner: team-test
  description: One invoice row of the partner's CSV.
  identity: [invoiceNumber]
  schema:
    type: object
    required: [invoiceNumber, amount, paid]
    properties:
      invoiceNumber: { type: string }
      amount: { type: number }
      lines: { type: integer }
      paid: { type: boolean }
---
apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: partner }
spec:
  type: erp
  hosting: cloud
  owner: team-test
  endpoint: { protocol: http, url: "http://127.0.0.1:9" }
  auth: { type: none }
  contracts: [partner-invoice@1]
  sources:
    files:
      - name: invoices
        directory: ${inbox}
        glob: "*.csv"
        format: csv
        event: Invoice.Received
        contract: partner-invoice@1
        csv: { delimiter: ";", decimal: "," }
        interval: 100ms
        settle: 50ms
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: invoices-in }
spec:
  owner: team-test
  source: { system: partner, event: Invoice.Received, contract: partner-invoice@1 }
  key: [invoiceNumber]
  targets:
    - { name: out, topic: invoices.in }
`;

describe.skipIf('skip' in prerequisite)('CSV pickup under interlace worker', () => {
  let nats: NatsServer | undefined;
  let backbone: JetStreamBackbone | undefined;
  let worker: WorkerProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'files-worker-csv-'));
  afterAll(async () => {
    if (worker && worker.process.exitCode === null) worker.process.kill('SIGKILL');
    await backbone?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('columns typed by the pickup contract, as under interlace run', { timeout: 120_000 }, async () => {
    if (!('binary' in prerequisite)) return;
    nats = await startNatsServer(prerequisite.binary);
    backbone = await openJetStreamBackbone({ servers: nats.url, name: 'files-worker-csv-test' });
    const inbox = join(dir, 'inbox');
    mkdirSync(inbox, { recursive: true });
    const bundleDir = await generateBundlesFromText(dir, estate(inbox));
    const port = await freePort();
    worker = startWorkerProcess([
      ...['--bundle', bundleDir, '--unit', 'source-partner', '--nats', nats.url],
      ...['--state-dir', join(dir, 'state'), '--port', String(port), '--host', '127.0.0.1'],
    ]);
    const running = worker;
    await eventually(
      async () => {
        if (running.process.exitCode !== null) throw new Error(`the worker exited:\n${running.output()}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
      },
      'the worker to be ready',
      60_000,
    );
    writeFileSync(join(inbox, '.invoices.csv'), 'invoiceNumber;amount;lines;paid\nINV-1;1234,50;3;true\nINV-2;99,9;1;false\n');
    renameSync(join(inbox, '.invoices.csv'), join(inbox, 'invoices.csv'));
    let events: Awaited<ReturnType<typeof stored>> = [];
    try {
      await eventually(
        async () => {
          events = await stored(backbone!, 'partner.invoice.received');
          return events.length === 2;
        },
        'both rows published',
        60_000,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nworker output:\n${running.output()}`);
    }
    expect(events.map((e) => e.payload)).toEqual([
      { invoiceNumber: 'INV-1', amount: 1234.5, lines: 3, paid: true },
      { invoiceNumber: 'INV-2', amount: 99.9, lines: 1, paid: false },
    ]);
  });
});

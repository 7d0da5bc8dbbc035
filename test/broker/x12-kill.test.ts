// kill -9 of `interlace worker` while it writes X12 interchanges (issue 13 item 5): a child worker
// process on a real nats-server delivers 810 invoices to an edi-x12 System's drop folder; it is
// killed mid-stream and started again. Every invoice ends up in exactly one interchange (no loss, no
// second file for a redelivered message), every file reads back with parseX12, and no control number
// is used twice.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseX12 } from '../../generators/edi/x12-parse.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { eventually, freePort, generateBundlesFromText, startWorkerProcess } from './worker-fixtures.ts';
import type { WorkerProcess } from './worker-fixtures.ts';

const INVOICES = 240;
const prerequisite = await natsServerOrSkipReason();

const estate = (outbox: string) => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: invoice-810 }
spec:
  version: 1.0.0
  owner: team-test
  description: An X12 810 invoice in the JSON form of docs/edi-x12.md.
  identity: [BIG.BIG02]
  schema:
    type: object
    required: [BIG, IT1Loop]
    properties:
      BIG: { type: object, required: [BIG01, BIG02], properties: { BIG01: { type: string }, BIG02: { type: string } } }
      IT1Loop: { type: array, items: { type: object } }
      TDS: { type: object }
      CTT: { type: object }
---
apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: partner }
spec:
  type: edi-partner
  hosting: cloud
  owner: team-test
  endpoint:
    protocol: edi-x12
    directory: ${outbox}
    x12: { senderId: INTERLACE, receiverId: PARTNER, version: "004010", lineBreaks: true }
  auth: { type: none }
  limits: { concurrency: 8, timeout: 5s }
  contracts: [invoice-810@1]
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: invoices-to-partner }
spec:
  owner: team-test
  source: { topic: invoices.out, contract: invoice-810@1 }
  key: [BIG.BIG02]
  targets:
    - name: partner
      system: partner
      operation: "810"
      delivery:
        timeout: 5s
        retry: { maxAttempts: 5, initialBackoff: 100ms, maxBackoff: 1s, multiplier: 2 }
        deadLetter: { topic: dlq.invoices-to-partner.partner }
`;

const invoice = (i: number) => ({
  BIG: { BIG01: '20260301', BIG02: `INV-${String(i).padStart(5, '0')}` },
  IT1Loop: [{ IT1: { IT101: '1', IT102: String(1 + (i % 7)), IT103: 'EA', IT104: '10.50' }, PID: [{ PID01: 'F', PID05: `ITEM ${i}` }] }],
  TDS: { TDS01: String(1050 * (1 + (i % 7))) },
  CTT: { CTT01: '1' },
});

describe.skipIf('skip' in prerequisite)('edi-x12 target: kill -9 of the worker mid-stream', () => {
  let nats: NatsServer | undefined;
  let backbone: JetStreamBackbone | undefined;
  const children: WorkerProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'x12-kill-'));
  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    await backbone?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${INVOICES} invoices, a kill -9 and a restart: one interchange each, no control number twice`, { timeout: 180_000 }, async () => {
    if (!('binary' in prerequisite)) return;
    nats = await startNatsServer(prerequisite.binary);
    backbone = await openJetStreamBackbone({ servers: nats.url, name: 'x12-kill-test' });
    const outbox = join(dir, 'outbox');
    const bundleDir = await generateBundlesFromText(dir, estate(outbox));
    const port = await freePort();
    const args = [
      ...['--bundle', bundleDir, '--unit', 'route-invoices-to-partner', '--nats', nats.url],
      ...['--state-dir', join(dir, 'state'), '--port', String(port), '--host', '127.0.0.1'],
      ...['--ack-wait', '2s', '--worker-id', 'x12-kill-0', '--grace', '5s'],
    ];
    const files = () => (existsSync(outbox) ? readdirSync(outbox).filter((f) => !f.startsWith('.')) : []);

    const first = startWorkerProcess(args);
    children.push(first);
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
      `the worker to be ready:\n${first.output()}`,
      30_000,
    );
    await backbone.ensureTopic('invoices.out');
    for (let i = 0; i < INVOICES; i++)
      await backbone.publish('invoices.out', Buffer.from(JSON.stringify(invoice(i))), { messageId: `invoice-${i}` });
    await eventually(() => files().length >= INVOICES / 4, `a quarter of the interchanges:\n${first.output()}`, 60_000);
    first.process.kill('SIGKILL');
    await first.exited;
    const atKill = files().length;
    expect(atKill).toBeLessThan(INVOICES);

    const second = startWorkerProcess(args);
    children.push(second);
    await eventually(() => files().length >= INVOICES, `every interchange after the restart:\n${second.output()}`, 90_000);
    // Redeliveries of what was in flight at the kill have settled; nothing more is written.
    await new Promise((r) => setTimeout(r, 3_000));
    const written = files();
    expect(written.length).toBe(INVOICES);

    const invoices = new Map<string, number>();
    const controls = new Set<string>();
    for (const name of written) {
      const parsed = parseX12(readFileSync(join(outbox, name), 'utf8'));
      expect({ name, problems: parsed.problems }).toEqual({ name, problems: [] });
      const isa13 = String(parsed.value!.ISA.ISA13);
      expect(name).toBe(`810_INTERLACE_PARTNER_${isa13}.x12`);
      controls.add(isa13);
      const big02 = String((parsed.value!.groups[0]!.transactions[0]!.BIG as { BIG02: string }).BIG02);
      invoices.set(big02, (invoices.get(big02) ?? 0) + 1);
    }
    expect(controls.size).toBe(INVOICES);
    expect(invoices.size).toBe(INVOICES);
    expect([...invoices.values()].every((n) => n === 1)).toBe(true);
    second.process.kill('SIGTERM');
    await second.exited;
  });
});

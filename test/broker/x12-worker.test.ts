// The example estate's purchase-order-to-supplier route as the cluster runs it (issue 13 item 5): a
// worker on a real nats-server delivers purchase orders to the edi-x12 EDI partner as X12 850
// interchanges in its drop folder (a local directory here), one per order, control numbers 1, 2, …;
// the partner's 997 for the first settles it, the second gets none within its deadline and becomes
// an `unacknowledged` dead letter that `interlace dlq list --nats` shows with its control numbers.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acknowledge } from '../../generators/edi/x12-997.ts';
import { x12Interchange } from '../../generators/edi/x12-envelope.ts';
import { parseX12 } from '../../generators/edi/x12-parse.ts';
import { writeX12 } from '../../generators/edi/x12-write.ts';
import { memoryLogger } from '../../lib/log.ts';
import { x12ExchangeOf, x12SettingsOf } from '../../runtime/adapters/x12-target-of.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { estateFromBundles, loadBundles } from '../../runtime/worker/bundle.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import type { Worker } from '../../runtime/worker/start-worker.ts';
import { runCli } from '../helpers/cli.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { REPO } from './scenario-support.ts';

const nats = await natsServerOrSkipReason();
const UNIT = 'route-purchase-order-to-supplier';

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const order = (purchaseOrderNumber: string) => ({
  purchaseOrderNumber,
  purpose: 'original',
  orderType: 'stand-alone',
  status: 'released',
  orderDate: '2026-11-26',
  requestedDeliveryDate: '2026-12-10',
  buyer: { id: '999999999', name: 'Interlace Distribution Inc.' },
  vendor: { id: '4405197800', number: '20000', name: 'Northwind Industrial Supply' },
  shipTo: {
    name: 'DC CHICAGO',
    locationId: '0003947268292',
    addressLine1: '100 Day Drive',
    city: 'Chicago',
    region: 'IL',
    postalCode: '61236',
    country: 'US',
  },
  currency: 'USD',
  totalAmount: 18736.8,
  lines: [
    {
      lineNumber: 1,
      buyerPartNumber: '1896-S',
      vendorPartNumber: 'AB3542',
      description: 'ATHENS Desk',
      quantity: 24,
      unit: 'EA',
      unitPrice: 780.7,
    },
  ],
});

describe.skipIf('skip' in nats)('edi-x12 route target in a worker on a real nats-server', () => {
  let server: NatsServer | undefined;
  let backbone: JetStreamBackbone | undefined;
  let worker: Worker | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'x12-worker-'));
  afterAll(async () => {
    await worker?.close(500);
    await backbone?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one 850 interchange per order, reconciles a 997, and dead-letters the group whose 997 never comes', {
    timeout: 120_000,
  }, async () => {
    if ('skip' in nats) return;
    server = await startNatsServer(nats.binary);
    backbone = await openJetStreamBackbone({ servers: server.url, name: 'x12-worker' });
    const estate = estateFromBundles(await loadBundles(join(REPO, 'generated/bundles'), [UNIT]));
    const partner = estate.systems.find((s) => s.metadata.name === 'edi-partner')!;
    expect(partner.spec.endpoint.protocol).toBe('edi-x12');
    // The partner's SFTP folder becomes a local one; 997s are due within 3 s.
    const { url: _url, sftp: _sftp, ...endpoint } = partner.spec.endpoint;
    const outbox = join(dir, 'to-partner');
    partner.spec.endpoint = { ...endpoint, directory: outbox, x12: { ...endpoint.x12!, acknowledgements: { within: '3s' } } };
    worker = await startWorker({
      bundleDir: join(REPO, 'generated/bundles'),
      units: [UNIT],
      backbone,
      estate,
      stateDir: join(dir, 'state'),
      port: 0,
      logger: memoryLogger('error').logger,
    });
    for (const po of ['PO-9001', 'PO-9002'])
      await backbone.publish('purchase-orders.issued', Buffer.from(JSON.stringify(order(po))), { messageId: `${po}-issued` });
    // A redelivery of the first (same message id, within the duplicate window) adds nothing.
    await backbone.publish('purchase-orders.issued', Buffer.from(JSON.stringify(order('PO-9001'))), { messageId: 'PO-9001-issued' });

    await until(() => existsSync(outbox) && readdirSync(outbox).filter((f) => !f.startsWith('.')).length === 2, 'two interchanges');
    const files = readdirSync(outbox).sort();
    expect(files).toEqual(['850_999999999_4405197800_000000001.x12', '850_999999999_4405197800_000000002.x12']);
    const sent = files.map((f) => readFileSync(join(outbox, f), 'utf8'));
    const parsed = sent.map((text) => parseX12(text));
    expect(parsed.map((p) => p.problems)).toEqual([[], []]);
    expect(parsed.map((p) => [p.value!.ISA.ISA06, p.value!.ISA.ISA08, p.value!.groups[0]!.GS.GS01])).toEqual([
      ['999999999      ', '4405197800     ', 'PO'],
      ['999999999      ', '4405197800     ', 'PO'],
    ]);
    const numbers = parsed.map((p) => String((p.value!.groups[0]!.transactions[0]!.BEG as { BEG03: string }).BEG03));
    expect(numbers.sort()).toEqual(['PO-9001', 'PO-9002']);

    // The partner accepts the interchange that carries PO-9001; PO-9002's never gets a 997.
    const first = parsed.findIndex((p) => (p.value!.groups[0]!.transactions[0]!.BEG as { BEG03: string }).BEG03 === 'PO-9001');
    const ack = acknowledge(sent[first]!).acknowledgements[0]!;
    const settings = x12SettingsOf(partner).envelope;
    const theirs = { ...settings, senderId: settings.receiverId, receiverId: settings.senderId };
    const exchange = await x12ExchangeOf(partner, { backbone, env: {}, stateDir: join(dir, 'state') });
    const result = await exchange.inbound(writeX12(x12Interchange(theirs, '997', [ack.transaction], 500, new Date())));
    expect(result.reconciled.map((r) => [r.groupControl, r.status])).toEqual([[String(first + 1), 'accepted']]);

    const dlq = () => runCli(['dlq', 'list', '--route', 'purchase-order-to-supplier', '--nats', server!.url, '--json'], REPO);
    await until(async () => JSON.parse((await dlq()).stdout).length === 1, 'the overdue 997 dead letter', 30_000);
    const [letter] = JSON.parse((await dlq()).stdout) as {
      id: string;
      kind: string;
      reason: string;
      businessKeys: Record<string, string>;
    }[];
    const other = String(2 - first);
    expect(letter!.kind).toBe('unacknowledged');
    expect(letter!.reason).toContain(`no 997 from the partner for group ${other} (ISA13 00000000${other}, PO 850`);
    expect(letter!.businessKeys).toMatchObject({ x12GroupControl: other, x12File: `850_999999999_4405197800_00000000${other}.x12` });
    expect(await exchange.acknowledgements.pending()).toEqual([]);
  });
});

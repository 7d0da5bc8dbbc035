// X12 out on a real nats-server (issue 13 item 5): control numbers from AdapterState on JetStream KV
// never repeat — two allocators on two connections racing, and across a kill -9 of nats-server; the
// edi-x12 target writes one interchange per message through a real local-directory FileSink (a
// redelivery writes nothing more, the file reads back with parseX12); 997s: an inbound interchange is
// answered once, a partner's 997 settles our group, a rejecting 997 and an overdue one become dead
// letters that `interlace dlq` lists (listDeadLetters); a 997 arriving while the sweep declares its group
// overdue, and a process stopping between a verdict and its letter, still give one verdict and one letter.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledge } from '../../generators/edi/x12-997.ts';
import { x12Interchange } from '../../generators/edi/x12-envelope.ts';
import type { X12EnvelopeSettings } from '../../generators/edi/x12-envelope.ts';
import { parseX12 } from '../../generators/edi/x12-parse.ts';
import { DEFAULT_X12_DELIMITERS, writeX12 } from '../../generators/edi/x12-write.ts';
import type { EventRoute } from '../../language/kinds/generated/kinds.ts';
import { KvAdapterState, SqliteAdapterState } from '../../runtime/adapters/adapter-state.ts';
import { directorySink } from '../../runtime/adapters/files/file-sink.ts';
import { LocalFileStore } from '../../runtime/adapters/files/local-file-store.ts';
import { X12ControlNumbers } from '../../runtime/adapters/x12-control-numbers.ts';
import { X12Exchange } from '../../runtime/adapters/x12-exchange.ts';
import { x12Target } from '../../runtime/adapters/x12-target.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { DeadLetter } from '../../runtime/delivery/dead-letter.ts';
import type { TargetCall } from '../../runtime/delivery/targets.ts';
import { listDeadLetters } from '../../runtime/run/dead-letters.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';

const nats = await natsServerOrSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'x12-out-'));
let server: NatsServer | undefined;
const backbones: JetStreamBackbone[] = [];

async function open(name: string): Promise<JetStreamBackbone> {
  const backbone = await openJetStreamBackbone({ servers: server!.url, name });
  backbones.push(backbone);
  return backbone;
}
async function state(backbone: JetStreamBackbone, scope = 'x12/edi-partner'): Promise<KvAdapterState> {
  return new KvAdapterState(await backbone.keyValue('ADAPTERS', 0), scope);
}

beforeAll(async () => {
  if (!('skip' in nats)) server = await startNatsServer(nats.binary);
});
afterAll(async () => {
  for (const backbone of backbones) await backbone.close().catch(() => {});
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const settings: X12EnvelopeSettings = {
  senderQualifier: 'ZZ',
  senderId: 'INTERLACE',
  receiverQualifier: '01',
  receiverId: '4405197800',
  applicationSenderId: 'INTERLACE',
  applicationReceiverId: '4405197800',
  version: '004010VICS',
  interchangeVersion: '00401',
  usage: 'P',
  acknowledgementRequested: false,
  delimiters: DEFAULT_X12_DELIMITERS,
};
/** The partner's side of the same exchange (its ids as sender). */
const partner: X12EnvelopeSettings = {
  ...settings,
  senderId: '4405197800',
  receiverId: 'INTERLACE',
  applicationSenderId: '4405197800',
  applicationReceiverId: 'INTERLACE',
};

const notice = (asn: string) => ({
  BSN: { BSN01: '00', BSN02: asn, BSN03: '20260301', BSN04: '1200', BSN05: '0001' },
  HLLoop: [
    {
      HL: { HL01: '1', HL03: 'S' },
      HLLoop: [
        {
          HL: { HL01: '2', HL02: '1', HL03: 'O' },
          PRF: { PRF01: 'PO-4410' },
          HLLoop: [{ HL: { HL01: '3', HL02: '2', HL03: 'I' }, LIN: { LIN02: 'VP', LIN03: 'W-1' }, SN1: { SN102: '3', SN103: 'EA' } }],
        },
      ],
    },
  ],
  CTT: { CTT01: '3' },
});

const call = (idempotencyKey: string, payload: unknown, sequence: number): TargetCall => ({
  payload,
  headers: {},
  orderingKey: idempotencyKey,
  idempotencyKey,
  timeoutMs: 5_000,
  signal: new AbortController().signal,
  source: {
    topic: 'tms.shipment.dispatched',
    sequence,
    messageId: idempotencyKey,
    headers: {},
    payload: Buffer.from(JSON.stringify({ shipmentNumber: idempotencyKey })),
    publishedAt: Date.parse('2026-03-01T12:00:00Z'),
  },
  businessKeys: { shipmentNumber: idempotencyKey },
});

const DLQ = 'dlq.shipment-asn-to-trading-partner.edi-partner';
const route = {
  apiVersion: 'interlace.dev/v1alpha1',
  kind: 'EventRoute',
  metadata: { name: 'shipment-asn-to-trading-partner' },
  spec: {
    source: { topic: 'tms.shipment.dispatched', contract: 'shipment@1' },
    targets: [{ name: 'edi-partner', system: 'edi-partner', delivery: { deadLetter: { topic: DLQ } } }],
  },
} as unknown as EventRoute;

describe.skipIf('skip' in nats)('X12 out on a real nats-server', () => {
  it('two allocators racing on two connections never issue the same control number, also across a kill -9 of nats-server', async () => {
    const a = new X12ControlNumbers(await state(await open('x12-a'), 'x12/race'));
    const b = new X12ControlNumbers(await state(await open('x12-b'), 'x12/race'));
    const run = async (numbers: X12ControlNumbers, n: number) => {
      const got: number[] = [];
      for (let i = 0; i < n; i++) got.push(await numbers.next());
      return got;
    };
    const [fromA, fromB] = await Promise.all([run(a, 150), run(b, 150)]);
    const all = [...fromA!, ...fromB!];
    expect(new Set(all).size).toBe(300);
    expect(Math.max(...all)).toBe(300);
    // They really raced: each sequence has gaps where the other replica won.
    const gaps = (got: number[]) => got.filter((n, i) => i > 0 && n !== got[i - 1]! + 1).length;
    expect(gaps(fromA!)).toBeGreaterThan(0);
    expect(gaps(fromB!)).toBeGreaterThan(0);

    await server!.restart({ kill: true });
    const c = new X12ControlNumbers(await state(await open('x12-c'), 'x12/race'));
    const d = new X12ControlNumbers(await state(await open('x12-d'), 'x12/race'));
    expect(await c.next()).toBe(301);
    // The same message (idempotency key) reserved by two replicas at once gets one number.
    const [r1, r2] = await Promise.all([d.forMessage('shipment-1', 1), c.forMessage('shipment-1', 2)]);
    expect(r1!.control).toBe(r2!.control);
    expect(r1!.at).toBe(r2!.at);
  });

  it('node:sqlite (interlace run): the numbers survive reopening', async () => {
    const path = join(dir, 'adapters.db');
    const first = new SqliteAdapterState(path, 'x12/edi-partner');
    const numbers = new X12ControlNumbers(first);
    expect([await numbers.next(), await numbers.next()]).toEqual([1, 2]);
    first.close();
    expect(await new X12ControlNumbers(new SqliteAdapterState(path, 'x12/edi-partner')).next()).toBe(3);
  });

  it('the edi-x12 target writes one interchange per message; a redelivery, a restart or a second replica writes nothing more', async () => {
    const outbox = join(dir, 'outbox');
    const sink = directorySink(new LocalFileStore(), outbox);
    const options = {
      system: 'edi-partner',
      route: 'shipment-asn-to-trading-partner',
      target: 'edi-partner',
      setId: '856',
      settings,
      lineBreaks: true,
      sink,
      acknowledgementWithinMs: 60_000,
      deadLetterTopic: DLQ,
      now: () => Date.parse('2026-03-01T12:00:00Z'),
    };
    const replicaA = x12Target({ ...options, state: await state(await open('x12-target-a')) });
    const replicaB = x12Target({ ...options, state: await state(await open('x12-target-b')) });
    await replicaA.send(call('SHP-1', notice('ASN-1'), 1));
    await replicaA.send(call('SHP-1', notice('ASN-1'), 1));
    await replicaB.send(call('SHP-1', notice('ASN-1'), 1));
    await Promise.all([replicaA.send(call('SHP-2', notice('ASN-2'), 2)), replicaB.send(call('SHP-3', notice('ASN-3'), 3))]);
    const files = readdirSync(outbox).sort();
    expect(files).toHaveLength(3);
    const controls = files.map((f) => {
      const parsed = parseX12(readFileSync(join(outbox, f), 'utf8'));
      expect({ f, problems: parsed.problems }).toEqual({ f, problems: [] });
      const isa13 = String(parsed.value!.ISA.ISA13);
      expect(f).toBe(`856_INTERLACE_4405197800_${isa13}.x12`);
      expect(parsed.value!.groups[0]!.GS.GS06).toBe(String(Number(isa13)));
      return (parsed.value!.groups[0]!.transactions[0]!.BSN as { BSN02: string }).BSN02;
    });
    expect(controls.sort()).toEqual(['ASN-1', 'ASN-2', 'ASN-3']);
    // A crash after the write and before the message is marked sent: the next attempt writes the
    // identical interchange under the same name (an atomic replace), not a second one.
    let crash = true;
    const crashing = x12Target({
      ...options,
      state: await state(await open('x12-target-c')),
      sink: {
        description: sink.description,
        async write(name, bytes) {
          await sink.write(name, bytes);
          if (crash) throw new Error('the worker died here');
        },
      },
    });
    await expect(crashing.send(call('SHP-5', notice('ASN-5'), 5))).rejects.toThrow('the worker died here');
    const written = readdirSync(outbox).filter((f) => !files.includes(f));
    expect(written).toHaveLength(1);
    const first = readFileSync(join(outbox, written[0]!), 'utf8');
    crash = false;
    // Retried an hour later by another replica: the envelope keeps the reserved time (ISA09/ISA10).
    const later = x12Target({ ...options, now: () => Date.parse('2026-03-01T13:07:00Z'), state: await state(await open('x12-target-d')) });
    await later.send(call('SHP-5', notice('ASN-5'), 5));
    await replicaA.send(call('SHP-5', notice('ASN-5'), 5));
    expect(readdirSync(outbox).filter((f) => !files.includes(f))).toEqual(written);
    expect(readFileSync(join(outbox, written[0]!), 'utf8')).toBe(first);

    // A payload the writer refuses is permanent (a contract violation), not retried.
    const bad = notice('ASN*4');
    await expect(replicaA.send(call('SHP-4', bad, 4))).rejects.toMatchObject({ name: 'ContractViolation' });
  });

  it('997s: answers an inbound interchange once, settles our groups, and dead-letters a rejection and an overdue 997', async () => {
    const backbone = await open('x12-acks');
    await backbone.ensureTopic(DLQ);
    const outbox = join(dir, 'acks-outbox');
    const sink = directorySink(new LocalFileStore(), outbox);
    let now = Date.parse('2026-03-02T08:00:00Z');
    const shared = await state(backbone, 'x12/acks');
    const target = x12Target({
      system: 'edi-partner',
      route: 'shipment-asn-to-trading-partner',
      target: 'edi-partner',
      setId: '856',
      settings,
      lineBreaks: false,
      sink,
      state: shared,
      acknowledgementWithinMs: 3_600_000,
      deadLetterTopic: DLQ,
      now: () => now,
    });
    const exchange = new X12Exchange({ system: 'edi-partner', settings, lineBreaks: false, sink, state: shared, backbone, now: () => now });
    for (const [i, key] of ['A', 'B', 'C'].entries()) await target.send(call(`SHP-${key}`, notice(`ASN-${key}`), 10 + i));
    const sent = readdirSync(outbox)
      .sort()
      .map((f) => readFileSync(join(outbox, f), 'utf8'));
    expect(await exchange.acknowledgements.pending()).toEqual(['1', '2', '3']);

    // The partner accepts the first group and rejects the second (its set had an error).
    const ackFirst = acknowledge(sent[0]!).acknowledgements[0]!;
    const rejectSecond = acknowledge(sent[1]!.replace(/SE\*(\d+)\*/, (_m, n) => `SE*${Number(n) + 1}*`)).acknowledgements[0]!;
    expect(rejectSecond.status).toBe('R');
    const their997 = writeX12(x12Interchange(partner, '997', [ackFirst.transaction, rejectSecond.transaction], 77, new Date(now)));
    now += 60_000;
    const first = await exchange.inbound(their997);
    expect(first.acknowledged).toEqual([]); // a 997 is never answered with a 997
    expect(first.reconciled.map((r) => [r.groupControl, r.status])).toEqual([
      ['1', 'accepted'],
      ['2', 'rejected'],
    ]);
    expect((await exchange.inbound(their997)).reconciled).toEqual([]); // the same 997 again changes nothing

    // Nothing for the third: not due yet, then overdue after the hour.
    expect(await exchange.sweep()).toEqual([]);
    now += 3_600_000;
    const overdue = await exchange.sweep();
    expect(overdue.map((r) => [r.groupControl, r.status])).toEqual([['3', 'overdue']]);
    expect(await exchange.sweep()).toEqual([]);
    expect(await exchange.acknowledgements.pending()).toEqual([]);

    const letters = await listDeadLetters(backbone, { routes: [route], apis: [], systems: [], contracts: [] });
    expect(letters.map((l) => [l.letter.kind, l.letter.businessKeys.x12GroupControl, l.letter.businessKeys.shipmentNumber])).toEqual([
      ['rejected', '2', 'SHP-B'],
      ['unacknowledged', '3', 'SHP-C'],
    ]);
    expect(letters[0]!.letter.reason).toMatch(
      /the partner's 997 rejected group 2 \(AK9 R; 856 0002 AK5 R code 4\) of 856_INTERLACE_4405197800_000000002\.x12/,
    );
    expect(letters[1]!.letter.reason).toMatch(
      /no 997 from the partner for group 3 \(ISA13 000000003, SH 856, file 856_INTERLACE_4405197800_000000003\.x12\)/,
    );
    expect(letters[1]!.letter.message).toMatchObject({
      topic: 'tms.shipment.dispatched',
      sequence: 12,
      payload: { shipmentNumber: 'SHP-C' },
    });

    // An inbound 850 from the partner is answered with one 997, also when the file is read twice.
    const po = writeX12(
      x12Interchange(
        partner,
        '850',
        [{ BEG: { BEG01: '00', BEG02: 'SA', BEG03: 'NW-1' }, PO1Loop: [{ PO1: { PO101: '1', PO102: '2' } }] }],
        5150,
        new Date(now),
      ),
    );
    const before = readdirSync(outbox).length;
    const answered = await exchange.inbound(po);
    await exchange.inbound(po);
    expect(readdirSync(outbox).length).toBe(before + 1);
    const reply = parseX12(readFileSync(join(outbox, answered.file!), 'utf8'));
    expect(reply.problems).toEqual([]);
    expect(reply.value!.groups[0]!.GS.GS01).toBe('FA');
    expect(reply.value!.groups[0]!.transactions[0]!.AK1).toEqual({ AK101: 'PO', AK102: '5150' });
    expect(reply.value!.groups[0]!.transactions[0]!.AK9).toMatchObject({ AK901: 'A' });
    expect(Number(reply.value!.ISA.ISA13)).toBe(4); // the next number of the partner's one sequence
  });

  it('a 997 read while the sweep declares its group overdue, and a stop between a verdict and its letter: one verdict, one letter', async () => {
    const backbone = await open('x12-verdicts');
    const topic = 'dlq.x12-verdicts.edi-partner';
    await backbone.ensureTopic(topic);
    const outbox = join(dir, 'verdicts-outbox');
    const sink = directorySink(new LocalFileStore(), outbox);
    const start = Date.parse('2026-03-02T08:00:00Z');
    let now = start;
    const shared = await state(backbone, 'x12/verdicts');
    const target = x12Target({
      system: 'edi-partner',
      route: 'shipment-asn-to-trading-partner',
      target: 'edi-partner',
      setId: '856',
      settings,
      lineBreaks: false,
      sink,
      state: shared,
      acknowledgementWithinMs: 3_600_000,
      deadLetterTopic: topic,
      now: () => now,
    });
    // Group 1 now, groups 2 and 3 half an hour later.
    await target.send(call('SHP-P', notice('ASN-P'), 21));
    now += 1_800_000;
    await target.send(call('SHP-Q', notice('ASN-Q'), 22));
    await target.send(call('SHP-R', notice('ASN-R'), 23));
    const sent = readdirSync(outbox)
      .sort()
      .map((f) => readFileSync(join(outbox, f), 'utf8'));
    const their997 = (text: string, control: number) =>
      writeX12(x12Interchange(partner, '997', [acknowledge(text).acknowledgements[0]!.transaction], control, new Date(now)));
    const rejecting = (text: string) => text.replace(/SE\*(\d+)\*/, (_m, n) => `SE*${Number(n) + 1}*`);

    // This process publishes through `publishing`: it can stop just before a letter, or let another
    // replica read a 997 just as a letter goes out.
    const other = new X12Exchange({ system: 'edi-partner', settings, lineBreaks: false, sink, state: shared, backbone, now: () => now });
    let meanwhile: (() => Promise<void>) | undefined;
    let stopBeforeLetter = false;
    const publishing = {
      publish: async (...args: Parameters<JetStreamBackbone['publish']>) => {
        if (stopBeforeLetter) {
          stopBeforeLetter = false;
          throw new Error('the worker stopped here');
        }
        const run = meanwhile;
        meanwhile = undefined;
        await run?.();
        return backbone.publish(...args);
      },
    };
    const exchange = () =>
      new X12Exchange({ system: 'edi-partner', settings, lineBreaks: false, sink, state: shared, backbone: publishing, now: () => now });

    // Group 1 is past its deadline; the partner's (late) 997 for it is read while the sweep dead-letters
    // it. The sweep's verdict came first, so the 997 settles nothing: overdue with one letter, not
    // accepted with a letter saying it was never acknowledged.
    now = start + 3_600_000 + 1;
    let reconciled: unknown[] | undefined;
    meanwhile = async () => {
      reconciled = (await other.inbound(their997(sent[0]!, 91))).reconciled;
    };
    expect((await exchange().sweep()).map((r) => [r.groupControl, r.status])).toEqual([['1', 'overdue']]);
    expect(reconciled).toEqual([]);
    expect((await other.acknowledgements.record('1'))?.status).toBe('overdue');

    // Group 3 is rejected by a 997, and the process reading it stops before the letter: the verdict
    // stands and the group stays listed for its letter.
    stopBeforeLetter = true;
    await expect(exchange().inbound(their997(rejecting(sent[2]!), 93))).rejects.toThrow('the worker stopped here');
    expect((await other.acknowledgements.record('3'))?.status).toBe('rejected');
    // Group 2 passes its deadline; the sweep stops between the verdict and the letter.
    now = start + 1_800_000 + 3_600_000 + 1;
    stopBeforeLetter = true;
    await expect(exchange().sweep()).rejects.toThrow('the worker stopped here');
    expect((await other.acknowledgements.record('2'))?.status).toBe('overdue');
    expect((await other.acknowledgements.pending()).sort()).toEqual(['2', '3']);
    // A late 997 for group 2 changes nothing now; the next sweep (a restarted worker) sends both letters.
    expect((await other.inbound(their997(sent[1]!, 92))).reconciled).toEqual([]);
    expect(await exchange().sweep()).toEqual([]);
    expect(await other.acknowledgements.pending()).toEqual([]);
    expect(await exchange().sweep()).toEqual([]);

    const letters = (await backbone.read(topic, 1, 100)).map((m) => JSON.parse(Buffer.from(m.payload).toString('utf8')) as DeadLetter);
    expect(letters.map((l) => [l.businessKeys.x12GroupControl, l.kind]).sort()).toEqual([
      ['1', 'unacknowledged'],
      ['2', 'unacknowledged'],
      ['3', 'rejected'],
    ]);
    expect(letters.find((l) => l.kind === 'rejected')!.reason).toMatch(
      /the partner's 997 rejected group 3 \(AK9 R; 856 0003 AK5 R code 4\)/,
    );
  });
});

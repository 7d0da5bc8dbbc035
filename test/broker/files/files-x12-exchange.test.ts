// An X12 file pickup of an edi-x12 System closes the 997 loop (runtime/adapters/files/files-source.ts
// with the partner's X12Exchange) on a real nats-server, from a local directory and from a real
// OpenSSH server: a partner file with an 850 and an 856 becomes one event per transaction set (by
// `events`), and our 997 accepting both groups goes to the partner's directory through the System's
// FileSink; the partner's 997 for a group we sent settles it (not published as an event); a malformed
// file goes to the error directory with a dead letter and gets a 997 rejecting it (AK5 R, AK9 R);
// reading the same file twice answers it once.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledge, readAcknowledgement } from '../../../generators/edi/x12-997.ts';
import { parseX12 } from '../../../generators/edi/x12-parse.ts';
import type { EdiLoop } from '../../../generators/edi/loop-builder.ts';
import type { EventRoute, System } from '../../../language/kinds/generated/kinds.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { FilesSource } from '../../../runtime/adapters/files/files-source.ts';
import { startSources } from '../../../runtime/adapters/sources/start-sources.ts';
import type { RunningSources } from '../../../runtime/adapters/sources/start-sources.ts';
import { x12ExchangeOf, x12TargetOf } from '../../../runtime/adapters/x12-target-of.ts';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { DeadLetter } from '../../../runtime/delivery/dead-letter.ts';
import type { TargetCall } from '../../../runtime/delivery/targets.ts';
import { natsServerOrSkipReason, startNatsServer } from '../harness/nats-server.ts';
import type { NatsServer } from '../harness/nats-server.ts';
import { opensshOrSkipReason, startOpenSshServer } from '../harness/openssh-server.ts';
import type { OpenSshServer } from '../harness/openssh-server.ts';
import { stored, waitFor } from './files-support.ts';

const nats = await natsServerOrSkipReason();
const sshSkip = opensshOrSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'files-x12-exchange-'));
let server: NatsServer | undefined;
let backbone: JetStreamBackbone;
let sshd: OpenSshServer | undefined;
const running: RunningSources[] = [];

beforeAll(async () => {
  if ('skip' in nats) return;
  server = await startNatsServer(nats.binary);
  backbone = await openJetStreamBackbone({ servers: server.url, name: 'files-x12-exchange-test' });
  if (!sshSkip) sshd = await startOpenSshServer();
}, 60_000);
afterAll(async () => {
  for (const r of running) await r.stop();
  await backbone?.close();
  await server?.stop();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const OUR_ID = 'INTERLACE';
const PARTNER_ID = '4405197800';

/** The partner: its drop folder for us (`outbound`, picked up) and ours for it (`inbound`, the endpoint). */
function partnerSystem(name: string, inbound: string, outbound: string, sftp?: OpenSshServer): System {
  const login = sftp ? { url: sftp.url, sftp: { secretRef: { name: 'partner-sftp' }, hostKey: sftp.hostPublicKey } } : {};
  return {
    apiVersion: 'interlace.dev/v1alpha1',
    kind: 'System',
    metadata: { name },
    spec: {
      type: 'edi-partner',
      hosting: 'cloud',
      endpoint: {
        protocol: 'edi-x12',
        directory: inbound,
        ...login,
        x12: {
          senderId: OUR_ID,
          receiverId: PARTNER_ID,
          qualifier: 'ZZ',
          version: '004010',
          acknowledgements: { expect: true, within: '1h' },
        },
      },
      sources: {
        files: [
          {
            name: 'from-partner',
            directory: outbound,
            ...login,
            glob: '*.x12',
            format: 'x12',
            events: { '850': 'PurchaseOrder.Received', '856': 'ShipNotice.Received' },
            interval: '100ms',
            settle: '50ms',
          },
        ],
      },
    },
  } as unknown as System;
}

const routeOf = (system: string, name: string, event: string): EventRoute =>
  ({
    apiVersion: 'interlace.dev/v1alpha1',
    kind: 'EventRoute',
    metadata: { name },
    spec: { owner: 'team', source: { system, event, contract: 'x@1' }, targets: [{ name: 'out', topic: `${name}.out` }] },
  }) as unknown as EventRoute;

/** A partner interchange with a PO group (one 850) and an SH group (one 856); `se850` breaks the 850's count. */
function partnerFile(control: number, po: string, asn: string, se850 = 3): string {
  const isa13 = String(control).padStart(9, '0');
  return [
    `ISA*00*          *00*          *ZZ*${PARTNER_ID.padEnd(15)}*ZZ*${OUR_ID.padEnd(15)}*260301*1200*U*00401*${isa13}*0*P*>`,
    `GS*PO*${PARTNER_ID}*${OUR_ID}*20260301*1200*${control}*X*004010`,
    'ST*850*0001',
    `BEG*00*SA*${po}**20260301`,
    `SE*${se850}*0001`,
    `GE*1*${control}`,
    `GS*SH*${PARTNER_ID}*${OUR_ID}*20260301*1200*${control + 1}*X*004010`,
    'ST*856*0001',
    `BSN*00*${asn}*20260301*1200`,
    'SE*3*0001',
    `GE*1*${control + 1}`,
    `IEA*2*${isa13}`,
    '',
  ].join('~\n');
}

/** The partner's 997 interchange answering `ours` (what its translator sends back). */
function partnerAcknowledgement(ours: string, control: number): string {
  const acks = acknowledge(ours).acknowledgements;
  const isa13 = String(control).padStart(9, '0');
  const segments = [
    `ISA*00*          *00*          *ZZ*${PARTNER_ID.padEnd(15)}*ZZ*${OUR_ID.padEnd(15)}*260301*1300*U*00401*${isa13}*0*P*>`,
    `GS*FA*${PARTNER_ID}*${OUR_ID}*20260301*1300*${control}*X*004010`,
  ];
  acks.forEach((ack, i) => {
    const tx = ack.transaction as Record<string, Record<string, string>>;
    const body = [
      `ST*997*${String(i + 1).padStart(4, '0')}`,
      `AK1*${tx.AK1!.AK101}*${tx.AK1!.AK102}`,
      `AK9*${tx.AK9!.AK901}*${tx.AK9!.AK902}*${tx.AK9!.AK903}*${tx.AK9!.AK904}`,
    ];
    segments.push(...body, `SE*${body.length + 1}*${String(i + 1).padStart(4, '0')}`);
  });
  segments.push(`GE*${acks.length}*${control}`, `IEA*1*${isa13}`, '');
  return segments.join('~\n');
}

/** Our 997s in a directory: for each, the groups it answers with their AK9 and AK5 statuses. */
function our997s(directory: string): { file: string; groups: { group: string; status: string; sets: string[] }[] }[] {
  return readdirSync(directory)
    .filter((f) => f.startsWith('997_'))
    .sort()
    .map((file) => {
      const parsed = parseX12(readFileSync(join(directory, file), 'utf8'), { positions: false });
      const groups = (parsed.value?.groups ?? []).flatMap((g) =>
        g.transactions.map((tx) => {
          const ack = readAcknowledgement(tx as EdiLoop)!;
          return { group: ack.groupControl, status: ack.status, sets: ack.sets.map((s) => `${s.setId}:${s.status}`) };
        }),
      );
      return { file, groups };
    });
}

const call = (key: string): TargetCall => ({
  payload: {
    BEG: { BEG01: '00', BEG02: 'SA', BEG03: key, BEG05: '20260301' },
    PO1Loop: [{ PO1: { PO101: '1', PO102: '2', PO103: 'EA' } }],
  },
  headers: {},
  orderingKey: key,
  idempotencyKey: key,
  timeoutMs: 10_000,
  signal: new AbortController().signal,
  source: {
    topic: 'erp.po.issued',
    sequence: 1,
    messageId: key,
    headers: {},
    payload: Buffer.from(JSON.stringify({ po: key })),
    publishedAt: Date.parse('2026-03-01T12:00:00Z'),
  },
  businessKeys: { purchaseOrder: key },
});

async function exchangeLoop(
  system: System,
  inbound: string,
  outbound: string,
  env: Record<string, string>,
  exists: (path: string) => boolean,
) {
  const name = system.metadata.name;
  const routes = [routeOf(name, `${name}-po`, 'PurchaseOrder.Received'), routeOf(name, `${name}-asn`, 'ShipNotice.Received')];
  const ctx = { backbone, env, stateDir: join(dir, 'state', name) };
  // We send the partner one 850 (control number 1): a group waiting for its 997.
  const target = x12TargetOf('po-to-partner', { name: 'partner', operation: '850' }, system, 'dlq.po-to-partner.partner', ctx);
  await target.prepare?.();
  await target.send(call('PO-OURS-1'));
  const exchange = await x12ExchangeOf(system, ctx);
  expect((await exchange.acknowledgements.record('1'))?.status).toBe('pending');
  const ours = readdirSync(inbound).find((f) => f.startsWith('850_'))!;
  expect(ours).toBeDefined();

  const r = await startSources({ system, routes, backbone, stateDir: join(dir, 'state', name), deps: { env }, logger: silentLogger });
  running.push(r);
  const source = r.adapters[0]!.adapter as FilesSource;

  // A file with a PO group and an SH group: one event per transaction set, by its id; our 997 answers both groups.
  writeFileSync(join(outbound, 'PARTNER_0001.x12'), partnerFile(501, 'PO-IN-1', 'ASN-1'));
  await waitFor('the mixed file to be archived', () => exists(join(outbound, 'archive', 'PARTNER_0001.x12')));
  expect((await stored(backbone, `${name}.purchaseorder.received`)).map((m) => (m.payload.BEG as Record<string, string>).BEG03)).toEqual([
    'PO-IN-1',
  ]);
  expect((await stored(backbone, `${name}.shipnotice.received`)).map((m) => (m.payload.BSN as Record<string, string>).BSN02)).toEqual([
    'ASN-1',
  ]);
  expect(our997s(inbound)).toEqual([
    {
      file: expect.any(String),
      groups: [
        { group: '501', status: 'A', sets: ['850:A'] },
        { group: '502', status: 'A', sets: ['856:A'] },
      ],
    },
  ]);

  // The partner's 997 for our 850: it settles the group and is not published as an event; no 997 answers a 997.
  writeFileSync(join(outbound, 'PARTNER_997_0002.x12'), partnerAcknowledgement(readFileSync(join(inbound, ours), 'utf8'), 601));
  await waitFor('the 997 file to be archived', () => exists(join(outbound, 'archive', 'PARTNER_997_0002.x12')));
  expect((await exchange.acknowledgements.record('1'))?.status).toBe('accepted');
  expect(our997s(inbound)).toHaveLength(1);

  // A malformed file (the 850's SE01 is wrong): error directory, a dead letter, and a 997 rejecting every group.
  writeFileSync(join(outbound, 'PARTNER_0003.x12'), partnerFile(701, 'PO-IN-2', 'ASN-2', 9));
  await waitFor('the bad file to reach the error directory', () => exists(join(outbound, 'error', 'PARTNER_0003.x12')));
  const rejecting = our997s(inbound).find((f) => f.groups.some((g) => g.group === '701'));
  expect(rejecting?.groups).toEqual([
    { group: '701', status: 'R', sets: ['850:R'] },
    { group: '702', status: 'R', sets: ['856:R'] },
  ]);
  const letters = (await stored(backbone, `dlq.${name}-po.out`)).map((m) => m.payload as unknown as DeadLetter);
  expect(letters.map((l) => l.reason)).toEqual([expect.stringContaining('PARTNER_0003.x12: segment 5: SE01 says 9 segments')]);
  expect(await stored(backbone, `${name}.purchaseorder.received`)).toHaveLength(1);

  // The same good file again (a partner resending it unchanged): its events are stored once, and it is answered once.
  writeFileSync(join(outbound, 'PARTNER_0001.x12'), partnerFile(501, 'PO-IN-1', 'ASN-1'));
  await waitFor(
    'the resent file to be archived',
    () => readdirSync(join(outbound, 'archive')).filter((f) => f.startsWith('PARTNER_0001')).length === 2,
  );
  expect(await stored(backbone, `${name}.purchaseorder.received`)).toHaveLength(1);
  expect(our997s(inbound)).toHaveLength(2);
  // The resent file's two sets were published again and absorbed by the backbone's de-duplication.
  expect(source.counts).toMatchObject({ files: 3, events: 4, poisoned: 1 });
  expect(r.adapters[0]!.context.counts).toMatchObject({ published: 2, duplicates: 2, rejected: 1 });
}

describe.skipIf('skip' in nats)('X12 file pickup with 997s both ways', () => {
  it('from a local directory: events per transaction set, our 997s to the partner, its 997 settles our group, a bad file is rejected', async () => {
    const inbound = join(dir, 'local', 'inbound');
    const outbound = join(dir, 'local', 'outbound');
    mkdirSync(inbound, { recursive: true });
    mkdirSync(outbound, { recursive: true });
    await exchangeLoop(partnerSystem('partner-local', inbound, outbound), inbound, outbound, {}, existsSync);
  }, 60_000);

  it.skipIf(sshSkip !== undefined)(
    'over SFTP on a real OpenSSH server, both directions',
    async () => {
      if (!sshd) throw new Error('no sshd');
      const inbound = join(sshd.root, 'inbound');
      const outbound = join(sshd.root, 'outbound');
      mkdirSync(inbound, { recursive: true });
      mkdirSync(outbound, { recursive: true });
      await exchangeLoop(
        partnerSystem('partner-sftp', inbound, outbound, sshd),
        inbound,
        outbound,
        { PARTNER_SFTP_PRIVATE_KEY: sshd.privateKey },
        existsSync,
      );
    },
    90_000,
  );
});

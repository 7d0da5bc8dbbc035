// The file drop target (runtime/adapters/files/file-drop-target.ts): one file per message, named from
// business keys, written atomically; a redelivery (same idempotency key) writes no second file, even
// when the date in the name moved on; two replicas racing on one message write one file (compare-and-set
// on a real nats-server's Key-Value); two messages that would share a name: the second is refused; a
// file in the partner's encoding, and a character it lacks refused. On a local directory and on a real
// OpenSSH server.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvAdapterState, SqliteAdapterState } from '../../runtime/adapters/adapter-state.ts';
import { fileDropTarget } from '../../runtime/adapters/files/file-drop-target.ts';
import { fileSinkFor } from '../../runtime/adapters/files/file-location.ts';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { ContractViolation } from '../../runtime/delivery/failures.ts';
import type { TargetCall } from '../../runtime/delivery/targets.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { opensshOrSkipReason, startOpenSshServer } from './harness/openssh-server.ts';
import type { OpenSshServer } from './harness/openssh-server.ts';

const nats = await natsServerOrSkipReason();
const sshSkip = opensshOrSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'file-target-'));
let server: NatsServer | undefined;
let backbone: JetStreamBackbone | undefined;
let sshd: OpenSshServer | undefined;

beforeAll(async () => {
  if (!sshSkip) sshd = await startOpenSshServer();
  if ('binary' in nats) {
    server = await startNatsServer(nats.binary);
    backbone = await openJetStreamBackbone({ servers: server.url });
  }
}, 60_000);
afterAll(async () => {
  await backbone?.close();
  await server?.stop();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function call(payload: unknown, idempotencyKey: string): TargetCall {
  return { payload, headers: {}, orderingKey: undefined, idempotencyKey, timeoutMs: 5_000, signal: new AbortController().signal };
}

const invoice = (n: string) => ({ invoiceNumber: n, total: 12.5, lines: [{ sku: 'A', amount: 12.5 }] });

describe('file drop target', () => {
  it('writes one file per message; a redelivery after midnight writes no second file; a name clash is refused', async () => {
    const out = join(dir, 'finance');
    const state = new SqliteAdapterState(join(dir, 'adapters.db'), 'files/finance');
    let clock = Date.parse('2026-03-09T23:59:59Z');
    const target = fileDropTarget({
      system: 'finance',
      route: 'invoices',
      target: 'ledger',
      nameTemplate: '{invoiceNumber}-{yyyyMMdd}.csv',
      format: { kind: 'csv', encoding: 'utf-8', csv: { delimiter: ';', decimal: ',', header: true } },
      businessKeys: { invoiceNumber: 'invoiceNumber' },
      sink: fileSinkFor({ directory: out }, {}, 'test'),
      state: async () => state,
      now: () => clock,
    });
    await target.send(call(invoice('INV-1'), 'k1'));
    clock += 2_000; // the next day
    await target.send(call(invoice('INV-1'), 'k1'));
    expect(readdirSync(out)).toEqual(['INV-1-20260309.csv']);
    expect(readFileSync(join(out, 'INV-1-20260309.csv'), 'utf8')).toBe('invoiceNumber;total;sku;amount\r\nINV-1;12,5;A;12,5\r\n');
    await target.send(call(invoice('INV-2'), 'k2'));
    expect(readdirSync(out).sort()).toEqual(['INV-1-20260309.csv', 'INV-2-20260310.csv']);
    // Another message that fills the same name would overwrite INV-2's file: refused, nothing written.
    await expect(target.send(call(invoice('INV-2'), 'k3'))).rejects.toBeInstanceOf(ContractViolation);
    await expect(target.send(call({ total: 1 }, 'k4'))).rejects.toThrow(/needs \{invoiceNumber\}/);
    expect(readdirSync(out)).toHaveLength(2);
    state.close();
  });

  it('writes a windows-1252 CSV with grouped thousands for a European ERP; a character iso-8859-1 lacks is refused, nothing written', async () => {
    const out = join(dir, 'erp');
    const state = new SqliteAdapterState(join(dir, 'adapters-erp.db'), 'files/erp');
    const target = (encoding: 'windows-1252' | 'iso-8859-1') =>
      fileDropTarget({
        system: 'erp',
        route: 'invoices',
        target: encoding,
        nameTemplate: `{invoiceNumber}-${encoding}.csv`,
        format: { kind: 'csv', encoding, csv: { delimiter: ';', decimal: ',', thousands: '.', header: true } },
        businessKeys: { invoiceNumber: 'invoiceNumber' },
        sink: fileSinkFor({ directory: out }, {}, 'test'),
        state: async () => state,
      });
    const payload = { invoiceNumber: 'MÜ-1', customer: 'Müller GmbH', total: 1234567.5, note: '5 € Rabatt' };
    await target('windows-1252').send(call(payload, 'w1'));
    expect(readFileSync(join(out, 'M_-1-windows-1252.csv'))).toEqual(
      Buffer.from('invoiceNumber;customer;total;note\r\nM\xdc-1;M\xfcller GmbH;1.234.567,5;5 \x80 Rabatt\r\n', 'latin1'),
    );
    const refused = target('iso-8859-1').send(call(payload, 'i1'));
    await expect(refused).rejects.toBeInstanceOf(ContractViolation);
    await expect(refused).rejects.toThrow('file M_-1-iso-8859-1.csv: line 2, column 32: "€" (U+20AC) has no byte in iso-8859-1');
    expect(readdirSync(out)).toEqual(['M_-1-windows-1252.csv']);
    state.close();
  });

  it.skipIf(sshSkip !== undefined || !('binary' in nats))(
    'two replicas delivering one message to SFTP at once write one file (Key-Value compare-and-set)',
    async () => {
      if (!sshd || !backbone) throw new Error('servers missing');
      const kv = await backbone.keyValue('ADAPTERS', 3_600_000);
      const onServer = join(sshd.root, 'outbound');
      const replica = () =>
        fileDropTarget({
          system: 'finance',
          route: 'invoices',
          target: 'ledger',
          nameTemplate: '{invoiceNumber}-{HHmmss}-{messageHash}.json',
          format: { kind: 'json', encoding: 'utf-8' },
          businessKeys: {},
          sink: fileSinkFor(
            { directory: onServer, url: sshd!.url, sftp: { secretRef: { name: 'finance-sftp' }, hostKey: sshd!.hostPublicKey } },
            { FINANCE_SFTP_PRIVATE_KEY: sshd!.privateKey },
            'test',
          ),
          state: async () => new KvAdapterState(kv, 'files/finance'),
          // Different clocks: each replica would name the file differently on its own.
          now: (() => {
            const base = Date.now() + Math.floor(Math.random() * 100_000);
            return () => base;
          })(),
        });
      const [a, b] = [replica(), replica()];
      for (let i = 0; i < 5; i++) {
        const results = await Promise.allSettled([a.send(call(invoice(`INV-${i}`), `m${i}`)), b.send(call(invoice(`INV-${i}`), `m${i}`))]);
        expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
        await a.send(call(invoice(`INV-${i}`), `m${i}`));
      }
      const files = readdirSync(onServer).sort();
      expect(files).toHaveLength(5);
      expect(files.every((f) => /^INV-\d-\d{6}-[0-9a-f]{12}\.json$/.test(f))).toBe(true);
      expect(JSON.parse(readFileSync(join(onServer, files[0]!), 'utf8'))).toEqual(invoice('INV-0'));
    },
    60_000,
  );
});

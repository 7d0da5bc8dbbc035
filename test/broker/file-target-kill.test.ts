// kill -9 of `interlace worker` while it drops files over SFTP (issue 13 item 4): a child worker process on
// a real nats-server delivers invoices to a `file` System on a real OpenSSH server, one file each named
// `{invoiceNumber}-{HHmmss}.json`; it is killed with SIGKILL mid-stream and started again. Every invoice
// ends up in exactly one file — none lost, and no second file for a message redelivered after the kill
// (the time in the name would differ if the pinned name were not kept) — each holding the invoice.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import { natsServerOrSkipReason, startNatsServer } from './harness/nats-server.ts';
import type { NatsServer } from './harness/nats-server.ts';
import { opensshOrSkipReason, startOpenSshServer } from './harness/openssh-server.ts';
import type { OpenSshServer } from './harness/openssh-server.ts';
import { eventually, freePort, generateBundlesFromText, startWorkerProcess } from './worker-fixtures.ts';
import type { WorkerProcess } from './worker-fixtures.ts';

const INVOICES = 200;
const prerequisite = await natsServerOrSkipReason();
const sshSkip = opensshOrSkipReason();

const estate = (sshd: OpenSshServer, directory: string) => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: invoice }
spec:
  version: 1.0.0
  owner: team-test
  description: An invoice for the finance landing zone.
  identity: [invoiceNumber]
  schema:
    type: object
    required: [invoiceNumber, total]
    properties:
      invoiceNumber: { type: string }
      total: { type: number }
---
apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: finance }
spec:
  type: finance
  hosting: cloud
  owner: team-test
  endpoint:
    protocol: file
    url: ${sshd.url}
    directory: ${directory}
    sftp: { secretRef: { name: finance-sftp }, hostKey: "${sshd.hostPublicKey}" }
    format: json
  auth: { type: none }
  limits: { concurrency: 8, timeout: 5s }
  contracts: [invoice@1]
---
apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: invoices-to-finance }
spec:
  owner: team-test
  source: { topic: invoices.out, contract: invoice@1 }
  key: [invoiceNumber]
  targets:
    - name: ledger
      system: finance
      operation: "{invoiceNumber}-{HHmmss}.json"
      delivery:
        timeout: 5s
        retry: { maxAttempts: 5, initialBackoff: 100ms, maxBackoff: 1s, multiplier: 2 }
        deadLetter: { topic: dlq.invoices-to-finance.ledger }
`;

const invoice = (i: number) => ({ invoiceNumber: `INV-${String(i).padStart(5, '0')}`, total: 10 + i });

describe.skipIf('skip' in prerequisite || sshSkip !== undefined)('file drop target over SFTP: kill -9 of the worker mid-stream', () => {
  let nats: NatsServer | undefined;
  let sshd: OpenSshServer | undefined;
  let backbone: JetStreamBackbone | undefined;
  const children: WorkerProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'file-target-kill-'));
  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    await backbone?.close();
    await nats?.stop();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${INVOICES} invoices, a kill -9 and a restart: one file each, none lost, none twice`, { timeout: 180_000 }, async () => {
    if (!('binary' in prerequisite)) return;
    nats = await startNatsServer(prerequisite.binary);
    sshd = await startOpenSshServer();
    backbone = await openJetStreamBackbone({ servers: nats.url, name: 'file-target-kill-test' });
    // The server shares this machine's file system: what it stores is read back directly.
    const drop = join(sshd.root, 'landing');
    mkdirSync(drop);
    const bundleDir = await generateBundlesFromText(dir, estate(sshd, drop));
    const port = await freePort();
    const args = [
      ...['--bundle', bundleDir, '--unit', 'route-invoices-to-finance', '--nats', nats.url],
      ...['--state-dir', join(dir, 'state'), '--port', String(port), '--host', '127.0.0.1'],
      ...['--ack-wait', '2s', '--worker-id', 'file-target-kill-0', '--grace', '5s'],
    ];
    const env = { FINANCE_SFTP_PRIVATE_KEY: sshd.privateKey };
    const files = () => (existsSync(drop) ? readdirSync(drop).filter((f) => !f.startsWith('.')) : []);

    const first = startWorkerProcess(args, env);
    children.push(first);
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
      `the worker to be ready:\n${first.output()}`,
      30_000,
    );
    await backbone.ensureTopic('invoices.out');
    for (let i = 0; i < INVOICES; i++)
      await backbone.publish('invoices.out', Buffer.from(JSON.stringify(invoice(i))), { messageId: `invoice-${i}` });
    await eventually(() => files().length >= INVOICES / 4, `a quarter of the files:\n${first.output()}`, 60_000);
    first.process.kill('SIGKILL');
    await first.exited;
    expect(files().length).toBeLessThan(INVOICES);
    // A second apart from anything written before the kill: a name not kept would show another time.
    await new Promise((r) => setTimeout(r, 1_100));

    const second = startWorkerProcess(args, env);
    children.push(second);
    await eventually(() => files().length >= INVOICES, `every file after the restart:\n${second.output()}`, 90_000);
    // Redeliveries of what was in flight at the kill have settled; nothing more is written.
    await new Promise((r) => setTimeout(r, 3_000));
    const written = files();
    expect(written.length).toBe(INVOICES);
    const perInvoice = new Map<string, number>();
    for (const name of written) {
      const match = /^(INV-\d{5})-\d{6}\.json$/.exec(name);
      expect(match, name).not.toBeNull();
      const content = JSON.parse(readFileSync(join(drop, name), 'utf8')) as { invoiceNumber: string; total: number };
      expect(content.invoiceNumber).toBe(match![1]);
      perInvoice.set(content.invoiceNumber, (perInvoice.get(content.invoiceNumber) ?? 0) + 1);
    }
    expect(perInvoice.size).toBe(INVOICES);
    expect([...perInvoice.values()].every((n) => n === 1)).toBe(true);
    second.process.kill('SIGTERM');
    await second.exited;
  });
});

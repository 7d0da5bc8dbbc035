/**
 * The group finance landing zone: a directory on an SFTP server where the estate's file drop target
 * writes one CSV file per finance transaction (`endpoint.protocol: file`). Under `interlace run` the
 * directory is a local folder of the run (Simulation.overlay); this simulator reads every new file in
 * it as the consolidation job would (files of an earlier run on the folder were read by that run), records each transaction as an effect (a second file for one
 * transaction is a duplicate) and counts them per source system for the summary. The HTTP append
 * endpoint (`POST …/append/transactions-{yyyyMMddHH}.csv`) stays for estates that still deliver the
 * feed over HTTP.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CSV, readCsv } from '../../adapters/files/csv.ts';
import { SimServer, route } from '../sim-http.ts';
import type { SimReply, SimRequest } from '../sim-http.ts';
import { newLedger } from '../system.ts';
import type { SimSystem } from '../system.ts';

type Entity = Record<string, unknown>;

const COLUMNS = [
  'transactionId',
  'sourceSystem',
  'companyCode',
  'transactionType',
  'documentNumber',
  'documentType',
  'postingDate',
  'fiscalYear',
  'counterpartyType',
  'counterpartyNumber',
  'amount',
  'taxAmount',
  'currency',
  'quantity',
  'sku',
  'reference',
  'cancelled',
];

function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export class FinanceFeed implements SimSystem {
  readonly name = 'finance-feed';
  private readonly effects = newLedger();
  readonly server: SimServer;
  readonly transactions = new Map<string, Entity>();
  private readonly counted: Record<string, number> = {};
  /** The landing directory (file drops land here under `interlace run`). */
  readonly directory: string;
  /** Files of the landing directory already read. */
  private readonly seen = new Set<string>();

  constructor(port: number, directory: string) {
    this.directory = directory;
    // Files an earlier run on this folder dropped were consolidated then: this run counts only its own.
    if (existsSync(directory)) for (const name of readdirSync(directory)) this.seen.add(name);
    this.server = new SimServer({
      name: this.name,
      port,
      state: () => this.state(),
      routes: [route('POST', '/append(?:/| |%20)(?<file>transactions-[0-9]{10}\\.csv)', (r) => this.append(r))],
    });
  }

  /** The effects, the dropped files read first. */
  get ledger(): ReturnType<typeof newLedger> {
    this.collect();
    return this.effects;
  }

  /** Transactions per source system, the dropped files read first. */
  get bySource(): Record<string, number> {
    this.collect();
    return this.counted;
  }

  state(): Record<string, unknown> {
    return { transactions: this.transactions.size, bySource: { ...this.bySource }, directory: this.directory, ...this.ledger.snapshot() };
  }

  /**
   * Reads the files the drop target wrote since the last look (`transactions-<day>-<id>.csv`, one
   * transaction each; dot files are still being written). Hourly append files are the HTTP path's.
   */
  private collect(): void {
    if (!existsSync(this.directory)) return;
    for (const name of readdirSync(this.directory)) {
      if (name.startsWith('.') || this.seen.has(name) || !/^transactions-\d{8}-.+\.csv$/.test(name)) continue;
      this.seen.add(name);
      for (const row of readCsv(readFileSync(join(this.directory, name), 'utf8'), DEFAULT_CSV)) this.take(row, name);
    }
  }

  /** One transaction landed: an effect (a repeat is a duplicate), counted per source system. */
  private take(tx: Entity, file: string): void {
    const id = String(tx.transactionId ?? '');
    if (!id) return;
    this.effects.record('transaction', id, file);
    this.transactions.set(id, tx);
    const source = String(tx.sourceSystem);
    this.counted[source] = (this.counted[source] ?? 0) + 1;
  }

  private append(r: SimRequest): SimReply {
    const tx = r.body as Entity | undefined;
    const id = String(tx?.transactionId ?? '');
    if (!id) return { status: 400, body: { error: 'transactionId is required' } };
    this.effects.record('transaction', id, r.idempotencyKey);
    this.transactions.set(id, tx!);
    const source = String(tx!.sourceSystem);
    this.counted[source] = (this.counted[source] ?? 0) + 1;
    mkdirSync(this.directory, { recursive: true });
    const file = join(this.directory, r.params.file!);
    const counterparty = (tx!.counterparty as Entity | undefined) ?? {};
    const row = COLUMNS.map((c) =>
      c === 'counterpartyType' ? counterparty.type : c === 'counterpartyNumber' ? counterparty.number : tx![c],
    );
    const header = existsSync(file) ? '' : `${COLUMNS.join(',')}\n`;
    appendFileSync(file, `${header}${row.map(csvField).join(',')}\n`);
    return { status: 201, body: { file: r.params.file, appended: 1 } };
  }
}

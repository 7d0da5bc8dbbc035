/**
 * The group finance landing zone: in production a directory that receives one CSV file per hour
 * (the `file` protocol). Under `interlace run` it is this simulator's HTTP endpoint
 * (`POST …/append/transactions-{yyyyMMddHH}.csv`, one finance-transaction@1 per request), which
 * appends the transaction as a CSV row to that file in its landing directory — the same files the
 * consolidation job would pick up — and keeps the rows for the summary.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
  readonly ledger = newLedger();
  readonly server: SimServer;
  readonly transactions = new Map<string, Entity>();
  readonly bySource: Record<string, number> = {};
  private readonly directory: string;

  constructor(port: number, directory: string) {
    this.directory = directory;
    this.server = new SimServer({
      name: this.name,
      port,
      state: () => this.state(),
      routes: [route('POST', '/append(?:/| |%20)(?<file>transactions-[0-9]{10}\\.csv)', (r) => this.append(r))],
    });
  }

  state(): Record<string, unknown> {
    return { transactions: this.transactions.size, bySource: { ...this.bySource }, directory: this.directory, ...this.ledger.snapshot() };
  }

  private append(r: SimRequest): SimReply {
    const tx = r.body as Entity | undefined;
    const id = String(tx?.transactionId ?? '');
    if (!id) return { status: 400, body: { error: 'transactionId is required' } };
    this.ledger.record('transaction', id, r.idempotencyKey);
    this.transactions.set(id, tx!);
    const source = String(tx!.sourceSystem);
    this.bySource[source] = (this.bySource[source] ?? 0) + 1;
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

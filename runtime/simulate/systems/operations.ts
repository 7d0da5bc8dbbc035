/**
 * Supply operations' work queue (a ServiceNow table API): exceptions arrive as
 * `POST …/api/now/table/x_interlace_exception` (operational-exception@1) and are answered as the Table
 * API does (`{result: {sys_id, number, …}}`). The audit trail is the retained `audit.replenishment`
 * topic, which this simulator reads like an auditor would, so a test can check that every exception
 * raised has its audit record.
 */
import { randomUUID } from 'node:crypto';
import type { Subscription } from '../../backbone/backbone.ts';
import { SimServer, route } from '../sim-http.ts';
import type { SimReply, SimRequest } from '../sim-http.ts';
import { newLedger } from '../system.ts';
import type { SimContext, SimSystem } from '../system.ts';
import { runScopedStart } from '../run-epoch.ts';

type Entity = Record<string, unknown>;

export const AUDIT_TOPIC = 'audit.replenishment';

export class Operations implements SimSystem {
  readonly name = 'operations';
  readonly ledger = newLedger();
  readonly server: SimServer;
  readonly exceptions = new Map<string, Entity>();
  readonly audit = new Map<string, Entity>();
  /** SEXC numbers: per-run block (run-epoch.ts), so a second run on one store opens new exceptions. */
  private nextNumber: number;
  private readonly ctx: SimContext;
  private subscription: Subscription | undefined;

  constructor(ctx: SimContext, port: number) {
    this.ctx = ctx;
    this.nextNumber = runScopedStart(1_001, ctx.runEpoch ?? 0);
    this.server = new SimServer({
      name: this.name,
      port,
      authHeader: 'authorization',
      state: () => this.state(),
      routes: [
        route('POST', '/x_interlace_exception', (r) => this.raise(r)),
        route('GET', '/x_interlace_exception', () => ({ status: 200, body: { result: [...this.exceptions.values()] } })),
      ],
    });
  }

  state(): Record<string, unknown> {
    const withoutAudit = [...this.exceptions.keys()].filter((id) => !this.audit.has(id)).length;
    return {
      exceptions: this.exceptions.size,
      auditRecords: this.audit.size,
      exceptionsWithoutAudit: withoutAudit,
      ...this.ledger.snapshot(),
    };
  }

  async start(): Promise<void> {
    await this.ctx.backbone.ensureTopic(AUDIT_TOPIC);
    this.subscription = await this.ctx.backbone.subscribe(AUDIT_TOPIC, 'sim-operations-audit', async (delivery) => {
      try {
        const record = JSON.parse(Buffer.from(delivery.payload).toString('utf8')) as Entity;
        this.audit.set(String(record.exceptionId), {
          ...record,
          auditedAt: new Date(delivery.publishedAt).toISOString(),
          sequence: delivery.sequence,
        });
      } catch {
        /* not ours to judge: the audit topic keeps it */
      }
      await delivery.ack();
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.stop().catch(() => {});
  }

  private raise(r: SimRequest): SimReply {
    const body = r.body as Entity | undefined;
    const id = String(body?.exceptionId ?? '');
    if (!id || !body?.category)
      return {
        status: 400,
        body: { error: { message: 'Invalid body: exceptionId and category are mandatory', detail: '' }, status: 'failure' },
      };
    this.ledger.record('exception', id, r.idempotencyKey);
    const number = `SEXC${String(this.nextNumber++).padStart(7, '0')}`;
    const record = {
      ...body,
      sys_id: randomUUID().replaceAll('-', ''),
      number,
      state: 'new',
      sys_created_on: new Date().toISOString().replace('T', ' ').slice(0, 19),
    };
    this.exceptions.set(id, record);
    return { status: 201, body: { result: record } };
  }
}

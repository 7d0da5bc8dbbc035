/**
 * Demand planning (a Blue Yonder-like SaaS): reads stock (`POST /supply/inventory-levels`), receipts
 * (`POST /supply/receipts`) and supplier confirmations (`POST /supply/confirmations`), and publishes
 * its nightly forecast run's replenishment proposals (ReplenishmentPlan.Published, replenishment@1),
 * each auto-approved or held for review by planning's approval policy.
 */
import { createHash } from 'node:crypto';
import { SimServer, route } from '../sim-http.ts';
import type { SimReply, SimRequest } from '../sim-http.ts';
import { isoDate } from '../odata.ts';
import { SKUS, SUPPLIER } from '../world.ts';
import { newLedger } from '../system.ts';
import type { SimContext, SimSystem } from '../system.ts';

type Entity = Record<string, unknown>;

export class DemandPlanning implements SimSystem {
  readonly name = 'demand-planning';
  readonly ledger = newLedger();
  readonly server: SimServer;
  /** sku|warehouse → latest stock seen, per source system. */
  readonly inventory = new Map<string, Entity>();
  readonly receipts = new Map<string, Entity>();
  readonly confirmations = new Map<string, Entity>();
  readonly proposals = new Map<string, Entity>();
  private nextProposal = 1;
  private nextRun = 1;
  private readonly ctx: SimContext;

  constructor(ctx: SimContext, port: number) {
    this.ctx = ctx;
    this.server = new SimServer({
      name: this.name,
      port,
      authHeader: 'authorization',
      tokenEndpoint: true,
      state: () => this.state(),
      routes: [
        route('POST', '/supply/inventory-levels', (r) =>
          this.take(
            r,
            'inventory-level',
            (b) =>
              `${String((b.source as Entity | undefined)?.system)}:${String((b.source as Entity | undefined)?.reference)}:${String(b.sku)}:${String(b.warehouse)}`,
            (b) => this.inventory.set(`${String(b.sku)}|${String(b.warehouse)}|${String((b.source as Entity | undefined)?.system)}`, b),
          ),
        ),
        route('POST', '/supply/receipts', (r) =>
          this.take(
            r,
            'receipt',
            (b) => String(b.receiptNumber),
            (b) => this.receipts.set(String(b.receiptNumber), b),
          ),
        ),
        route('POST', '/supply/confirmations', (r) =>
          this.take(
            r,
            'confirmation',
            (b) => `${String(b.confirmationNumber)}`,
            (b) => this.confirmations.set(String(b.confirmationNumber), b),
          ),
        ),
        route('POST', '/plans/publish', (r) => ({
          status: 202,
          body: { proposals: this.publishPlan(Number(r.query.get('count') ?? 10), Number(r.query.get('review') ?? 0.2)) },
        })),
      ],
    });
  }

  state(): Record<string, unknown> {
    return {
      proposals: this.proposals.size,
      inventoryPositions: this.inventory.size,
      receipts: this.receipts.size,
      confirmations: this.confirmations.size,
      ...this.ledger.snapshot(),
    };
  }

  private take(r: SimRequest, kind: string, keyOf: (b: Entity) => string, store: (b: Entity) => void): SimReply {
    const body = r.body as Entity | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      return { status: 400, body: { code: 'INVALID_PAYLOAD', message: 'expected one JSON object' } };
    this.ledger.record(
      kind,
      kind === 'inventory-level' ? (r.idempotencyKey ?? createHash('sha256').update(r.text).digest('hex')) : keyOf(body),
      r.idempotencyKey,
    );
    store(body);
    return { status: 202, body: { accepted: true } };
  }

  /**
   * One forecast run: `count` proposals for US01 and DE01 items from Northwind; a `reviewShare` of
   * them exceed the auto-approval limit and need review (the replenishment workflow asks a planner).
   */
  publishPlan(count: number, reviewShare = 0.2): string[] {
    const world = this.ctx.world;
    const now = Date.now();
    const planRunId = `RUN-${isoDate(now)}-${this.ctx.runTag}-${String(this.nextRun++).padStart(3, '0')}`;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const sku = world.pick(SKUS);
      const seq = this.nextProposal++;
      const proposalId = `RP-${this.ctx.runTag}-${String(seq).padStart(6, '0')}`;
      // Unique quantity per proposal within a run, so a purchase order is traceable to its proposal.
      const quantity = 10 + seq;
      // Every n-th proposal exceeds the auto-approval limit (deterministic, so a test knows how many).
      const review = reviewShare > 0 && seq % Math.max(1, Math.round(1 / reviewShare)) === 0;
      const needByDate = isoDate(now + 14 * 86_400_000);
      const proposal: Entity = {
        proposalId,
        planRunId,
        sku: sku.sku,
        warehouse: sku.warehouse,
        quantity,
        unit: 'EA',
        needByDate,
        supplier: { number: SUPPLIER.number, name: SUPPLIER.name },
        forecast: {
          periodStart: isoDate(now),
          periodEnd: isoDate(now + 30 * 86_400_000),
          demandQuantity: quantity + 5,
          safetyStock: 6,
          projectedOnHand: -quantity,
        },
        estimatedUnitCost: sku.unitCost,
        currency: 'USD',
        approval: review
          ? {
              status: 'needs-review',
              policy: 'auto-approve-below-25k',
              reason: `quantity is ${(2 + world.random() * 3).toFixed(1)}x the 12-month average`,
            }
          : { status: 'auto-approved', policy: 'auto-approve-below-25k', decidedAt: new Date(now).toISOString() },
        createdAt: new Date(now).toISOString(),
      };
      // A reviewed proposal may become a purchase order too, once a planner approves it.
      world.planReplenishment(sku.sku, quantity, needByDate, sku.warehouse);
      this.proposals.set(proposalId, proposal);
      this.ctx.publisher.emit({
        system: this.name,
        event: 'ReplenishmentPlan.Published',
        key: proposalId,
        id: proposalId,
        payload: proposal,
      });
      ids.push(proposalId);
    }
    return ids;
  }
}

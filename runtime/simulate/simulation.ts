/**
 * The simulated estate for `interlace run` and the scenario tests: one loopback HTTP server per System
 * of the example estate (plus the dealers' identity provider), a shared physical world, and the
 * SourcePublisher through which their events reach the backbone. `overlay()` points the estate's
 * Systems and Apis at the simulators (URLs, token endpoints, JWKS) and `env` holds the secrets and
 * System parameters the worker reads, so the generated units run unchanged against them.
 */
import { join } from 'node:path';
import type { Backbone } from '../backbone/backbone.ts';
import type { System } from '../../language/kinds/generated/kinds.ts';
import { secretVariable } from '../http/secrets.ts';
import { webhookSpecOf } from '../adapters/webhook/webhook-source.ts';
import type { WorkerEstate } from '../worker/estate.ts';
import { SourcePublisher } from './source-publisher.ts';
import type { SimServer } from './sim-http.ts';
import { newSftpLogin, SimSftpServer } from './sftp-server.ts';
import type { SftpLogin } from './sftp-server.ts';
import { FAST_TIMING, scheduledWork } from './system.ts';
import type { SimContext, SimSystem, SimTiming } from './system.ts';
import { IdentityProvider } from './identity.ts';
import { World } from './world.ts';
import { OperationsTeam } from './operations-team.ts';
import { takeRunEpoch } from './run-epoch.ts';
import { BC_COMPANY_ID, CloudErp } from './systems/cloud-erp.ts';
import { Crm } from './systems/crm.ts';
import { DealerPortal } from './systems/dealer-portal.ts';
import { DemandPlanning } from './systems/demand-planning.ts';
import { EdiPartner } from './systems/edi-partner.ts';
import { FinanceFeed } from './systems/finance-feed.ts';
import { LegacyErp } from './systems/legacy-erp.ts';
import { Operations } from './systems/operations.ts';
import { Tms } from './systems/tms.ts';
import { Wms } from './systems/wms.ts';

/** The API key a local run issues to the demo dealer for every `api-key` Api (client `dealer-demo`). */
export const DEMO_DEALER_KEY = 'local-dealer-key';

export interface SimulationOptions {
  backbone: Backbone;
  estate: WorkerEstate;
  /** First port; each system takes the next (0: any free ports). */
  portBase?: number;
  /** Where the finance landing zone writes its CSV files. */
  dataDir: string;
  timing?: SimTiming;
  seed?: number;
  /** Goes into generated numbers (orders, shipments) so runs on one store never collide. */
  runTag?: string;
  /** Offsets the systems' numeric document numbers (runtime/simulate/run-epoch.ts); default: the next epoch of `dataDir`. */
  runEpoch?: number;
}

export interface Divergence {
  /** warehouse|sku where the legacy ERP and the WMS disagree. */
  legacyVsWms: { key: string; erp: number; wms: number }[];
  /** SKUs where the cloud ERP's company-wide inventory differs from the WMS summed over warehouses. */
  cloudVsWms: { sku: string; erp: number; wms: number }[];
  positions: number;
}

/** Names of the Systems this simulation can play. */
export const SIMULATED_SYSTEMS = [
  'legacy-erp',
  'cloud-erp',
  'wms',
  'tms',
  'crm',
  'dealer-portal',
  'demand-planning',
  'edi-partner',
  'operations',
  'finance-feed',
] as const;

export class Simulation {
  readonly world: World;
  readonly publisher: SourcePublisher;
  readonly identity: IdentityProvider;
  readonly legacyErp: LegacyErp;
  readonly cloudErp: CloudErp;
  readonly wms: Wms;
  readonly tms: Tms;
  readonly crm: Crm;
  readonly dealerPortal: DealerPortal;
  readonly planning: DemandPlanning;
  readonly ediPartner: EdiPartner;
  readonly operations: Operations;
  readonly financeFeed: FinanceFeed;
  /** Supply planners deciding the replenishment workflow's approvals through the run's task API. */
  readonly planningTeam: OperationsTeam;
  /** The credit analysts who release or reject dealer orders on credit block (order-to-cash). */
  readonly creditTeam: OperationsTeam;
  /** Every simulated team that decides workflow human tasks. */
  readonly teams: readonly OperationsTeam[];
  readonly systems: SimSystem[];
  /** The SFTP servers of the Systems whose files go over SFTP (the EDI partner, the finance landing zone). */
  readonly sftpServers: Map<string, SimSftpServer>;
  /** One generated key pair per SFTP login Secret (`sftp.secretRef.name`). */
  private readonly sftpLogins = new Map<string, SftpLogin>();
  readonly runTag: string;
  readonly runEpoch: number;
  private readonly ctx: SimContext;

  constructor(options: SimulationOptions) {
    this.world = new World(options.seed ?? 42);
    this.publisher = new SourcePublisher(options.backbone, options.estate.routes);
    this.runTag = options.runTag ?? Date.now().toString(36).slice(-6).toUpperCase();
    this.runEpoch = options.runEpoch ?? takeRunEpoch(options.dataDir);
    this.ctx = {
      world: this.world,
      publisher: this.publisher,
      backbone: options.backbone,
      runTag: this.runTag,
      runEpoch: this.runEpoch,
      timing: options.timing ?? FAST_TIMING,
    };
    const base = options.portBase ?? 0;
    const port = (i: number) => (base === 0 ? 0 : base + i);
    this.legacyErp = new LegacyErp(this.ctx, port(1));
    // The events the estate polls from the cloud ERP are left in its collections for the poller.
    const cloudErpSpec = options.estate.systems.find((s) => s.metadata.name === 'cloud-erp')?.spec;
    this.cloudErp = new CloudErp(this.ctx, port(2), new Set((cloudErpSpec?.sources?.poll ?? []).map((p) => p.event)));
    this.wms = new Wms(this.ctx, port(3));
    this.tms = new Tms(this.ctx, port(4));
    this.crm = new Crm(port(5));
    this.dealerPortal = new DealerPortal(this.ctx, port(6), dealerPortalTopics(options.estate));
    this.planning = new DemandPlanning(this.ctx, port(7));
    this.ediPartner = new EdiPartner(this.ctx, port(8), join(options.dataDir, 'edi-partner'));
    this.operations = new Operations(this.ctx, port(9));
    this.financeFeed = new FinanceFeed(port(10), join(options.dataDir, 'finance-landing'));
    this.identity = new IdentityProvider(port(11));
    this.planningTeam = new OperationsTeam(
      this.ctx,
      'team-supply-planning',
      ['sim-planner-ines', 'sim-planner-tom'],
      'not this quarter: stock covers the forecast',
    );
    this.creditTeam = new OperationsTeam(
      this.ctx,
      'team-credit-management',
      ['sim-credit-analyst-mara', 'sim-credit-analyst-jon'],
      'overdue receivables: ask the dealer to pay open items first',
    );
    this.teams = [this.planningTeam, this.creditTeam];
    this.sftpServers = new Map([
      [this.ediPartner.name, new SimSftpServer(this.ediPartner.name, port(12))],
      [this.financeFeed.name, new SimSftpServer(this.financeFeed.name, port(13))],
    ]);
    this.systems = [
      this.legacyErp,
      this.cloudErp,
      this.wms,
      this.tms,
      this.crm,
      this.dealerPortal,
      this.planning,
      this.ediPartner,
      this.operations,
      this.financeFeed,
    ];
  }

  /**
   * Work the simulated systems still have to do: scheduled steps (dispatches, milestones), events not
   * yet stored, and changes no poll has read yet.
   */
  pendingWork(): number {
    return (
      scheduledWork() +
      this.publisher.backlog +
      this.cloudErp.unpolled() +
      this.ediPartner.unpicked() +
      this.teams.reduce((sum, t) => sum + t.pendingWork(), 0)
    );
  }

  get timing(): SimTiming {
    return this.ctx.timing;
  }

  system(name: string): SimSystem | undefined {
    return this.systems.find((s) => s.name === name);
  }

  /** Starts the HTTP servers, then the backbone consumers (dealer portal, audit reader). */
  async start(): Promise<void> {
    for (const s of this.systems) await s.server?.start();
    await this.identity.server.start();
    for (const sftp of this.sftpServers.values()) await sftp.start();
    for (const topic of this.publisher.sourceTopics()) await this.ctx.backbone.ensureTopic(topic);
    for (const s of this.systems) await s.start?.();
  }

  async stop(): Promise<void> {
    for (const team of this.teams) team.stop();
    this.publisher.stop();
    for (const s of this.systems) await s.stop?.();
    await Promise.all([
      ...this.systems.map((s) => s.server?.stop()),
      this.identity.server.stop(),
      ...[...this.sftpServers.values()].map((s) => s.stop()),
    ]);
  }

  /** Re-targets the simulators at another backbone handle (after a reconnect). */
  setBackbone(backbone: Backbone): void {
    this.ctx.backbone = backbone;
    this.publisher.setBackbone(backbone);
  }

  servers(): SimServer[] {
    return [...this.systems.flatMap((s) => (s.server ? [s.server] : [])), this.identity.server];
  }

  /**
   * The estate as the local run sees it: every simulated System's endpoint and token URL on loopback
   * (the real base path kept), the EDI partner's and the finance landing zone's file exchanges on their
   * simulated SFTP servers (sftp-server.ts: the spec's directories and users, a run-local host key and
   * login), mTLS dropped on loopback, and the dealers' APIs trusting the local identity provider.
   */
  overlay(estate: WorkerEstate, limitScale = 100): WorkerEstate {
    const copy = structuredClone(estate);
    for (const system of copy.systems) {
      const sim = this.system(system.metadata.name);
      if (!sim?.server) continue;
      const spec = system.spec as System['spec'] & Record<string, unknown>;
      const original = spec.endpoint.url ? new URL(spec.endpoint.url).pathname.replace(/\/+$/, '') : '';
      if (spec.endpoint.protocol === 'nats') continue;
      const sftp = this.sftpServers.get(system.metadata.name);
      if (spec.endpoint.protocol === 'file' && sim instanceof FinanceFeed && sftp) {
        // Files land on the landing zone's (simulated) SFTP server, in the directory the spec names,
        // which is the run folder the simulated consolidation job reads.
        spec.endpoint = { ...spec.endpoint, ...this.sftpLocation(sftp, spec.endpoint, sim.directory) };
        continue;
      }
      if (spec.endpoint.protocol === 'edi-x12' && sim instanceof EdiPartner && sim.inbound && sim.outbound && sftp) {
        // Interchanges go to the partner's (simulated) SFTP server, into its drop folder: the simulated
        // partner picks them up there.
        spec.endpoint = { ...spec.endpoint, ...this.sftpLocation(sftp, spec.endpoint, sim.inbound) };
        // And its files are picked up over SFTP from its outbound folder, looked at often (the run is fast).
        const outbound = sim.outbound;
        if (spec.sources?.files)
          for (const [i, pickup] of spec.sources.files.entries())
            spec.sources.files[i] = { ...pickup, ...this.sftpLocation(sftp, pickup, outbound), interval: '100ms', settle: '20ms' };
        continue;
      }
      spec.endpoint = {
        ...spec.endpoint,
        protocol: 'http',
        url: `${sim.server.origin}${original}`,
        format: spec.endpoint.format === 'x12' || spec.endpoint.format === 'csv' ? 'json' : spec.endpoint.format,
      } as System['spec']['endpoint'];
      if (spec.auth?.type === 'oauth2-client-credentials') spec.auth = { ...spec.auth, tokenUrl: `${sim.server.origin}/oauth2/token` };
      if (spec.auth?.type === 'mtls') spec.auth = { type: 'none' } as System['spec']['auth'];
      // The simulators are local and fast: their rate limits are the spec's times `limitScale`
      // (a 5 requests/s SaaS limit would make a 1,000-order demo take minutes). 1 keeps them real.
      const rate = spec.limits?.rateLimit as { requests: number; burst?: number } | undefined;
      if (rate && limitScale !== 1) {
        rate.requests = Math.ceil(rate.requests * limitScale);
        if (rate.burst !== undefined) rate.burst = Math.ceil(rate.burst * limitScale);
      }
    }
    for (const api of copy.apis) {
      const auth = api.spec.auth as Record<string, unknown> | undefined;
      if (auth?.type === 'oauth2') {
        auth.jwksUrl = this.identity.jwksUrl;
        auth.issuer = this.identity.issuer;
      }
    }
    return copy;
  }

  /**
   * A spec location (`directory`, `url`, `sftp`) moved onto a simulated SFTP server: the same directory
   * and user name, served from the local folder `local`, the server's host key pinned, and the login
   * Secret's key authorized (a location without `sftp` gets the System's name as its Secret).
   */
  private sftpLocation(
    server: SimSftpServer,
    location: {
      directory?: string | undefined;
      url?: string | undefined;
      sftp?: { secretRef: { name: string; key?: string } } | undefined;
    },
    local: string,
  ): { url: string; sftp: { secretRef: { name: string; key?: string }; hostKey: string } } {
    server.mount(location.directory ?? '/', local);
    const username = location.url ? decodeURIComponent(new URL(location.url).username) || 'interlace' : 'interlace';
    const secretRef = location.sftp?.secretRef ?? { name: `${server.name}-sftp` };
    server.authorize(username, this.sftpLogin(secretRef.name).publicKey);
    return { url: server.url(username), sftp: { ...location.sftp, secretRef, hostKey: server.hostPublicKey } };
  }

  private sftpLogin(secretName: string): SftpLogin {
    let login = this.sftpLogins.get(secretName);
    if (!login) {
      login = newSftpLogin(`interlace-run-${secretName}`);
      this.sftpLogins.set(secretName, login);
    }
    return login;
  }

  /** Secrets (`<SECRET>_<KEY>`) and System parameters the units need against the simulators. */
  env(estate: WorkerEstate): Record<string, string> {
    const env: Record<string, string> = {
      CLOUD_ERP_PARAM_COMPANYID: BC_COMPANY_ID,
      // The finance landing zone's hourly file name, fixed for the run (see systems/finance-feed.ts).
      FINANCE_FEED_PARAM_YYYYMMDDHH: new Date().toISOString().slice(0, 13).replace(/[-T]/g, ''),
    };
    for (const system of estate.systems) {
      const auth = system.spec.auth;
      if (!auth || auth.type === 'none') continue;
      const name = auth.secretRef?.name ?? system.metadata.name;
      const keys =
        auth.type === 'basic'
          ? ['username', 'password']
          : auth.type === 'oauth2-client-credentials'
            ? ['client-id', 'client-secret']
            : auth.type === 'api-key'
              ? [auth.secretRef?.key ?? 'api-key']
              : auth.type === 'bearer'
                ? [auth.secretRef?.key ?? 'token']
                : [];
      for (const key of keys) env[secretVariable(name, key)] = `local-${system.metadata.name}-${key}`;
    }
    for (const system of estate.systems) {
      // A webhook's shared secrets: the simulator signs with them, the receiver checks them.
      const webhook = webhookSpecOf(system);
      if (webhook?.signature)
        env[secretVariable(webhook.signature.secretRef.name, webhook.signature.secretRef.key ?? 'webhook-secret')] =
          `local-${system.metadata.name}-webhook-secret`;
      if (webhook?.clientState)
        env[secretVariable(webhook.clientState.secretRef.name, webhook.clientState.secretRef.key ?? 'client-state')] =
          `local-${system.metadata.name}-client-state`;
    }
    for (const system of estate.systems) {
      // The SFTP logins of the Systems whose simulators serve SFTP: the key pair made for the run.
      if (!this.sftpServers.has(system.metadata.name)) continue;
      const locations = [system.spec.endpoint, ...(system.spec.sources?.files ?? [])] as { sftp?: { secretRef: { name: string } } }[];
      for (const location of locations) {
        const name = location.sftp?.secretRef.name ?? `${system.metadata.name}-sftp`;
        env[secretVariable(name, 'private-key')] = this.sftpLogin(name).privateKey;
      }
    }
    for (const api of estate.apis) {
      const auth = api.spec.auth as { type?: string; keysSecretRef?: { name: string; key?: string } } | undefined;
      if (auth?.type === 'api-key')
        env[secretVariable(auth.keysSecretRef?.name ?? `${api.metadata.name}-keys`, auth.keysSecretRef?.key ?? 'keys')] =
          `dealer-demo:${DEMO_DEALER_KEY}`;
    }
    return env;
  }

  /** Dealers submit `count` orders (scenario 1's traffic). */
  sendOrders(count: number): string[] {
    return this.dealerPortal.submitOrders(count);
  }

  /** Planning publishes a forecast run of `count` proposals (scenario 2's traffic). */
  publishForecast(count: number, reviewShare = 0.2): string[] {
    return this.planning.publishPlan(count, reviewShare);
  }

  /** Inventory positions where the ERPs and the WMS disagree (empty when they agree). */
  divergence(): Divergence {
    const erp = this.legacyErp.stockByWarehouse();
    const legacyVsWms: Divergence['legacyVsWms'] = [];
    const wmsBySku = new Map<string, number>();
    for (const [key, wms] of this.wms.stock) {
      const sku = key.split('|')[1]!;
      wmsBySku.set(sku, (wmsBySku.get(sku) ?? 0) + wms);
      const e = erp.get(key) ?? 0;
      if (e !== wms) legacyVsWms.push({ key, erp: e, wms });
    }
    const cloudVsWms: Divergence['cloudVsWms'] = [];
    for (const [sku, inv] of this.cloudErp.inventoryBySku()) {
      const w = wmsBySku.get(sku) ?? 0;
      if (w !== inv) cloudVsWms.push({ sku, erp: inv, wms: w });
    }
    return { legacyVsWms, cloudVsWms, positions: this.wms.stock.size };
  }

  /** Effects applied more than once, per system (must be zero). */
  duplicateEffects(): Record<string, number> {
    return Object.fromEntries(this.systems.map((s) => [s.name, s.ledger.duplicates]));
  }

  state(): Record<string, unknown> {
    return {
      runTag: this.runTag,
      publisher: { ...this.publisher.counters, backlog: this.publisher.backlog, webhooks: this.publisher.webhookCounters() },
      systems: Object.fromEntries(this.systems.map((s) => [s.name, { url: s.server?.origin, traffic: s.server?.traffic, ...s.state() }])),
      planningTeam: this.planningTeam.state(),
      creditTeam: this.creditTeam.state(),
      divergence: this.divergence(),
    };
  }
}

/** The subjects the estate delivers to the dealer portal on (its `nats` targets), as the worker derives them. */
export function dealerPortalTopics(estate: WorkerEstate): string[] {
  const portal = estate.systems.find((s) => s.metadata.name === 'dealer-portal');
  const subject = portal?.spec.endpoint.subject ?? 'dealer-portal';
  const topics = new Set<string>();
  for (const route of estate.routes) {
    for (const target of route.spec.targets) {
      if (target.system !== 'dealer-portal') continue;
      const op = target.operation && /^[a-z0-9][-a-z0-9.]*$/.test(target.operation) ? target.operation : `${subject}.${target.name}`;
      topics.add(op.toLowerCase());
    }
  }
  return [...topics].sort();
}

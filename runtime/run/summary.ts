/**
 * The end of a bounded run (`--orders N`, `--for 30s`): what was sent, what each system received,
 * what was dead-lettered, how many duplicates were suppressed, whether the ERPs and the WMS agree on
 * inventory, whether the finance feed has both ERPs, how the EDI partner's 997s answered our X12 — as text, or as JSON with `--report json`.
 */
import type { Divergence, Simulation } from '../simulate/simulation.ts';
import type { StatsSnapshot } from './run-stats.ts';
import type { WorkflowReport } from './run-workflows.ts';

export interface RunSummary {
  durationMs: number;
  backbone: string;
  settled: boolean;
  ordersSent: number;
  forecastProposals: number;
  /** Per simulated system: distinct effects by kind, and effects applied twice (must be 0). */
  systems: Record<string, { effects: Record<string, number>; duplicateEffects: number; requests: number }>;
  routes: { delivered: number; deadLettered: number; duplicatesSuppressed: number; filtered: number };
  deadLettersByRoute: Record<string, number>;
  /** Orders whose status reached the dealer portal as delivered. */
  ordersDelivered: number;
  /**
   * Orders the dealer portal shows as cancelled: a business outcome (credit refused, or refused by the
   * ERP), not a lost order — the dealer was told.
   */
  ordersCancelled: number;
  finance: Record<string, number>;
  /** X12 interchanges the EDI partner picked up from its drop folder, and how its 997s answered them. */
  x12: { interchanges: number; accepted: number; rejected: number } | undefined;
  /**
   * X12 files the EDI partner dropped for the estate's pickup (its 850s and 856s), the transaction sets
   * in them, and how the 997s the estate wrote back answered its groups.
   */
  x12In: { files: number; transactionSets: number; accepted: number; rejected: number } | undefined;
  /** Files written per file or X12 route target: one per delivered message. */
  filesOut: { route: string; target: string; system: string; kind: 'file' | 'x12'; via?: string; files: number }[];
  /** The simulated partners' SFTP servers: files written to them and read from them over SFTP. */
  sftp: { system: string; url: string; written: number; read: number }[];
  divergence: Divergence & { total: number };
  exceptions: { raised: number; withAuditRecord: number };
  /** Events in per System source (webhook, poll, files): published, and answered without a publish. */
  sources: {
    system: string;
    source: string;
    published: number;
    duplicates: number;
    unrouted: number;
    replayed: number;
    rejected: number;
  }[];
  /** What the APIs' clients saw: errors are 4xx plus 5xx. */
  apis: { api: string; requests: number; clientErrors: number; serverErrors: number; errors: number }[];
  /**
   * Per workflow, when the run hosts workflows: executions by status (`waiting`: blocked on a wait or a
   * person), human-task decisions and compensations that ran.
   */
  workflows?: WorkflowReport[];
}

/** A route target that writes files: to a `file` System (one file per message) or an `edi-x12` one (one interchange). */
export interface FileTarget {
  route: string;
  target: string;
  system: string;
  kind: 'file' | 'x12';
  /** `sftp://user@host:port` when the files go over SFTP; absent: a local directory. */
  via?: string;
}

export function buildSummary(input: {
  durationMs: number;
  backbone: string;
  settled: boolean;
  stats: StatsSnapshot;
  simulation?: Simulation;
  ordersSent: number;
  forecastProposals: number;
  /** The route targets that write files (EstateRun.fileTargets). */
  fileTargets?: readonly FileTarget[];
  /** RunWorkflows.reports(), when the run hosts workflows. */
  workflows?: readonly WorkflowReport[];
}): RunSummary {
  const sim = input.simulation;
  const systems: RunSummary['systems'] = {};
  for (const s of sim?.systems ?? []) {
    const snap = s.ledger.snapshot();
    systems[s.name] = { effects: snap.effects, duplicateEffects: snap.duplicates, requests: s.server?.traffic.requests ?? 0 };
  }
  const divergence = sim?.divergence() ?? { legacyVsWms: [], cloudVsWms: [], positions: 0 };
  const deadLettersByRoute: Record<string, number> = {};
  for (const r of input.stats.routes) if (r.deadLettered + r.parked > 0) deadLettersByRoute[r.route] = r.deadLettered + r.parked;
  const statuses = sim ? [...sim.dealerPortal.orderStatus.values()] : [];
  const delivered = statuses.filter((s) => s.status === 'delivered').length;
  const cancelled = statuses.filter((s) => s.status === 'cancelled').length;
  return {
    durationMs: input.durationMs,
    backbone: input.backbone,
    settled: input.settled,
    ordersSent: input.ordersSent,
    forecastProposals: input.forecastProposals,
    systems,
    routes: {
      delivered: input.stats.totals.delivered,
      deadLettered: input.stats.totals.deadLettered + input.stats.totals.parked,
      duplicatesSuppressed: input.stats.totals.duplicates,
      filtered: input.stats.totals.filtered,
    },
    deadLettersByRoute,
    ordersDelivered: delivered,
    ordersCancelled: cancelled,
    finance: sim ? { ...sim.financeFeed.bySource } : {},
    x12: sim
      ? {
          interchanges: sim.ediPartner.interchanges.received,
          accepted: sim.ediPartner.interchanges.acknowledged,
          rejected: sim.ediPartner.interchanges.rejected,
        }
      : undefined,
    x12In:
      sim && sim.ediPartner.sent.files > 0
        ? {
            files: sim.ediPartner.sent.files,
            transactionSets: sim.ediPartner.sent.transactionSets,
            accepted: sim.ediPartner.sent.acknowledgedByUs,
            rejected: sim.ediPartner.sent.rejectedByUs,
          }
        : undefined,
    filesOut: (input.fileTargets ?? []).map((t) => ({
      ...t,
      files: input.stats.targets.find((s) => s.route === t.route && s.target === t.target)?.delivered ?? 0,
    })),
    sftp: sim
      ? [...sim.sftpServers.values()]
          .filter((server) => server.port > 0)
          .map((server) => ({
            system: server.name,
            url: `sftp://127.0.0.1:${server.port}`,
            written: server.traffic.written,
            read: server.traffic.read,
          }))
      : [],
    divergence: { ...divergence, total: divergence.legacyVsWms.length + divergence.cloudVsWms.length },
    exceptions: sim
      ? {
          raised: sim.operations.exceptions.size,
          withAuditRecord: [...sim.operations.exceptions.keys()].filter((id) => sim.operations.audit.has(id)).length,
        }
      : { raised: 0, withAuditRecord: 0 },
    sources: input.stats.sources.map((s) => ({ ...s })),
    apis: input.stats.apis.map((a) => ({
      api: a.api,
      requests: a.requests,
      clientErrors: a.clientErrors,
      serverErrors: a.serverErrors,
      errors: a.errors,
    })),
    ...(input.workflows ? { workflows: input.workflows.map((w) => structuredClone(w)) } : {}),
  };
}

export function renderSummary(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(
    `Summary (${(s.durationMs / 1000).toFixed(1)}s on ${s.backbone}${s.settled ? '' : ', stopped before every message was handled'})`,
  );
  lines.push(`  orders sent              ${s.ordersSent}${s.forecastProposals ? `   forecast proposals ${s.forecastProposals}` : ''}`);
  lines.push(
    `  orders delivered         ${s.ordersDelivered}${s.ordersCancelled ? `, ${s.ordersCancelled} cancelled (credit refused or refused by the ERP)` : ''}${ordersUnaccounted(s) > 0 ? ` of ${s.ordersSent}: ${ordersUnaccounted(s)} NOT delivered` : ''} (status seen by the dealer portal)`,
  );
  lines.push(
    `  route deliveries         ${s.routes.delivered}   dead-lettered ${s.routes.deadLettered}   duplicates suppressed ${s.routes.duplicatesSuppressed}   filtered ${s.routes.filtered}`,
  );
  for (const [route, n] of Object.entries(s.deadLettersByRoute))
    lines.push(`    dead letters in ${route}: ${n}  (interlace dlq list --route ${route})`);
  if (s.sources.length > 0) {
    lines.push('  events in per source:');
    for (const src of s.sources) {
      const extra = [
        src.duplicates ? `${src.duplicates} duplicates` : '',
        src.replayed ? `${src.replayed} replayed deliveries` : '',
        src.unrouted ? `${src.unrouted} unrouted` : '',
        src.rejected ? `${src.rejected} REJECTED` : '',
      ].filter(Boolean);
      lines.push(
        `    ${`${src.system} ${src.source}`.padEnd(28)} ${src.published} published${extra.length ? `, ${extra.join(', ')}` : ''}`,
      );
    }
  }
  lines.push('  delivered per system:');
  for (const [name, sys] of Object.entries(s.systems)) {
    const effects =
      Object.entries(sys.effects)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '-';
    lines.push(`    ${name.padEnd(16)} ${effects}${sys.duplicateEffects ? `   DUPLICATE EFFECTS ${sys.duplicateEffects}` : ''}`);
  }
  lines.push(
    `  finance feed             ${
      Object.entries(s.finance)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '-'
    }`,
  );
  if (s.filesOut.length > 0) {
    lines.push('  files out per target:');
    for (const t of s.filesOut)
      lines.push(
        `    ${`${t.route}/${t.target}`.padEnd(40)} ${t.files} ${t.kind === 'x12' ? 'X12 interchanges' : 'files'} to ${t.system}${t.via ? ` over ${t.via}` : ''}`,
      );
  }
  for (const server of s.sftp)
    lines.push(`  SFTP ${server.system.padEnd(19)} ${server.url}: ${server.written} files written to it, ${server.read} read from it`);
  if (s.x12 && s.x12.interchanges > 0)
    lines.push(
      `  X12 to the EDI partner   ${s.x12.interchanges} interchanges, ${s.x12.accepted} accepted by its 997s${s.x12.rejected ? `, ${s.x12.rejected} REJECTED` : ''}`,
    );
  if (s.x12In)
    lines.push(
      `  X12 from the EDI partner ${s.x12In.files} files, ${s.x12In.transactionSets} transaction sets; our 997s: ${s.x12In.accepted} groups accepted${s.x12In.rejected ? `, ${s.x12In.rejected} REJECTED` : ''}`,
    );
  if (s.workflows) {
    lines.push('  workflows                (interlace workflow list)');
    for (const { workflow, counts: w, humanTasks: t, compensations } of s.workflows) {
      const other = [
        w.running ? `${w.running} running` : '',
        w.failed ? `${w.failed} FAILED` : '',
        w.cancelled ? `${w.cancelled} cancelled` : '',
      ]
        .filter(Boolean)
        .join(', ');
      const decided = t.approved + t.rejected + t.timedOut;
      const extra = [
        decided ? `human tasks ${t.approved} approved, ${t.rejected} rejected${t.timedOut ? `, ${t.timedOut} timed out` : ''}` : '',
        compensations ? `${compensations} compensation steps run` : '',
      ].filter(Boolean);
      lines.push(
        `    ${workflow.padEnd(24)} ${w.completed} completed, ${w.waiting} waiting, ${w.compensated} compensated, ${w.escalated} escalated${other ? `, ${other}` : ''}${extra.length ? `; ${extra.join('; ')}` : ''}`,
      );
    }
  }
  lines.push(`  exceptions               ${s.exceptions.raised} raised, ${s.exceptions.withAuditRecord} on the audit trail`);
  lines.push(
    `  inventory divergence     ${s.divergence.total === 0 ? `none (${s.divergence.positions} positions agree across legacy ERP, cloud ERP and WMS)` : `${s.divergence.total} positions differ: ${JSON.stringify([...s.divergence.legacyVsWms, ...s.divergence.cloudVsWms].slice(0, 5))}`}`,
  );
  for (const a of s.apis)
    lines.push(
      `  api ${a.api.padEnd(22)} ${a.requests} requests: ${a.requests - a.errors} answered, ${a.clientErrors} client errors (4xx), ${a.serverErrors} server errors (5xx)`,
    );
  return `${lines.join('\n')}\n`;
}

/** Orders sent that the dealer portal shows neither delivered nor cancelled: lost or stuck. */
export function ordersUnaccounted(s: RunSummary): number {
  return Math.max(0, s.ordersSent - s.ordersDelivered - s.ordersCancelled);
}

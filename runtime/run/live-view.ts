/**
 * The run's terminal view: redrawn about once a second on a TTY (routes with throughput, p50/p99,
 * dead letters; circuit states; APIs with requests and errors; the simulated systems' traffic), or
 * one plain line per interval when stdout is not a terminal (CI logs, pipes).
 */
import type { StatsSnapshot } from './run-stats.ts';

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  return n.toFixed(digits);
}

function pad(text: string, width: number, right = false): string {
  const t = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return right ? t.padStart(width) : t.padEnd(width);
}

export interface ViewContext {
  title: string;
  elapsedMs: number;
  ordersSent: number;
  backlog: number;
  notice?: string;
  systems?: Record<string, { requests: number; faulted: number }>;
}

/** The full-screen view (ANSI: home + clear). */
export function renderLiveView(stats: StatsSnapshot, ctx: ViewContext, color: boolean): string {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const red = (s: string) => (color ? `\x1b[31m${s}\x1b[0m` : s);
  const green = (s: string) => (color ? `\x1b[32m${s}\x1b[0m` : s);
  const lines: string[] = [];
  lines.push(`${bold(ctx.title)}  ${fmt(ctx.elapsedMs / 1000, 0)}s  orders sent ${ctx.ordersSent}  backlog ${ctx.backlog}`);
  if (ctx.notice) lines.push(ctx.notice);
  lines.push('');
  lines.push(
    bold(
      `${pad('ROUTE', 34)}${pad('MSG/S', 8, true)}${pad('P50 MS', 9, true)}${pad('P99 MS', 9, true)}${pad('DELIVERED', 11, true)}${pad('DLQ', 6, true)}${pad('DUP', 6, true)}${pad('FILTERED', 10, true)}`,
    ),
  );
  for (const r of stats.routes) {
    const dlq = r.deadLettered + r.parked;
    lines.push(
      `${pad(r.route, 34)}${pad(fmt(r.rate, 1), 8, true)}${pad(fmt(r.p50Ms, 1), 9, true)}${pad(fmt(r.p99Ms, 1), 9, true)}${pad(String(r.delivered), 11, true)}${pad(dlq > 0 ? red(String(dlq)) : '0', dlq > 0 && color ? 15 : 6, true)}${pad(String(r.duplicates), 6, true)}${pad(String(r.filtered), 10, true)}`,
    );
  }
  lines.push('');
  const circuits = Object.entries(stats.circuits)
    .sort()
    .map(([s, state]) => `${s} ${state === 'closed' ? green(state) : red(state)}`);
  lines.push(`${bold('CIRCUITS')}  ${circuits.join('  ') || '-'}`);
  if (stats.apis.length > 0) {
    lines.push(bold(`${pad('API', 34)}${pad('REQ/S', 8, true)}${pad('REQUESTS', 11, true)}${pad('4XX', 8, true)}${pad('5XX', 8, true)}`));
    for (const a of stats.apis)
      lines.push(
        `${pad(a.api, 34)}${pad(fmt(a.rate, 1), 8, true)}${pad(String(a.requests), 11, true)}${pad(String(a.clientErrors), 8, true)}${pad(String(a.serverErrors), 8, true)}`,
      );
  }
  if (ctx.systems) {
    lines.push('');
    lines.push(
      `${bold('SYSTEMS')}  ${Object.entries(ctx.systems)
        .map(([n, s]) => `${n} ${s.requests}${s.faulted ? red(` (${s.faulted} faulted)`) : ''}`)
        .join('  ')}`,
    );
  }
  lines.push('');
  lines.push('Ctrl-C stops. Edit a spec to hot-reload. `interlace dlq list` in another terminal shows dead letters.');
  return `\x1b[H\x1b[2J${lines.join('\n')}\n`;
}

/** One line for non-TTY output. */
export function renderPlainLine(stats: StatsSnapshot, ctx: ViewContext): string {
  const t = stats.totals;
  const rate = stats.routes.reduce((s, r) => s + r.rate, 0);
  const open = Object.entries(stats.circuits)
    .filter(([, s]) => s !== 'closed')
    .map(([n]) => n);
  return `[${fmt(ctx.elapsedMs / 1000, 0)}s] orders ${ctx.ordersSent} · delivered ${t.delivered} · dead-lettered ${t.deadLettered + t.parked} · duplicates suppressed ${t.duplicates} · ${fmt(rate, 0)} msg/s · backlog ${ctx.backlog}${open.length ? ` · circuits open: ${open.join(', ')}` : ''}${ctx.notice ? ` · ${ctx.notice}` : ''}\n`;
}

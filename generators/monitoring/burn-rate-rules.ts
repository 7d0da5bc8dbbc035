import type { Indicator, Objectives } from './objectives.ts';

/** A Prometheus rule group, as `promtool` and the Prometheus Operator read it. */
export interface RuleGroup {
  name: string;
  interval: string;
  rules: (RecordingRule | AlertingRule)[];
}
interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}
interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * The multi-window, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs"): each tier
 * fires when the long window has burnt `budgetShare` of the error budget and the short window (1/12 of
 * it) is still burning as fast, so an alert stops soon after the problem does. The burn rate is
 * `budgetShare × SLO window / long window`: for a 30-day window exactly the workbook's 14.4, 6, 3 and 1.
 */
export const BURN_RATE_TIERS = [
  { long: '1h', short: '5m', longSeconds: 3600, budgetShare: 0.02, severity: 'page' },
  { long: '6h', short: '30m', longSeconds: 21600, budgetShare: 0.05, severity: 'page' },
  { long: '1d', short: '2h', longSeconds: 86400, budgetShare: 0.1, severity: 'ticket' },
  { long: '3d', short: '6h', longSeconds: 259200, budgetShare: 0.1, severity: 'ticket' },
] as const;

/** The windows the recording rules compute, shortest first. */
const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** Recorded series names: `interlace:slo_errors:ratio_rate5m` etc., one per window, labelled by slo. */
export function errorRatioSeries(window: string): string {
  return `interlace:slo_errors:ratio_rate${window}`;
}

/** One rule group per route or API with objectives: recording rules, then alerts. */
export function ruleGroups(all: readonly Objectives[]): RuleGroup[] {
  return all.filter((o) => o.indicators.length > 0).map(groupOf);
}

function groupOf(o: Objectives): RuleGroup {
  const rules: RuleGroup['rules'] = [];
  const selector = `${o.label}="${o.name}"`;
  for (const indicator of o.indicators) {
    for (const window of WINDOWS) {
      // A counter with labels exists only once incremented: a route that never dead-lettered has no
      // `outcome="dead_lettered"` series, and `bad / total` would then be no series at all (an empty
      // panel, an SLO that looks unmeasured). `or total * 0` makes it 0 where traffic exists.
      const total = at(indicator.total, window);
      rules.push({
        record: errorRatioSeries(window),
        expr: `(${at(indicator.bad, window)} or ${total} * 0) / (${total})`,
        labels: { slo: indicator.slo, interlace_kind: o.kind },
      });
    }
  }
  for (const indicator of o.indicators) {
    const budget = round(1 - indicator.objective);
    for (const tier of BURN_RATE_TIERS) {
      // A tier whose long window is not shorter than the SLO window would judge more than the budget's period.
      if (tier.longSeconds >= o.windowSeconds) continue;
      const burn = round((tier.budgetShare * o.windowSeconds) / tier.longSeconds);
      const threshold = round(burn * budget);
      const series = (w: string) => `${errorRatioSeries(w)}{${selector},slo="${indicator.slo}"}`;
      rules.push({
        alert: alertName(o, indicator),
        expr: `${series(tier.long)} > ${threshold} and ${series(tier.short)} > ${threshold}`,
        labels: { severity: tier.severity, slo: indicator.slo, owner: o.owner, long_window: tier.long },
        annotations: annotations(o, indicator, tier.long, burn),
      });
    }
  }
  return { name: `interlace-slo-${o.kind}-${o.name.replace('@', '-v')}`, interval: o.interval, rules };
}

/** `InterlaceRouteLatencyBudgetBurn`, `InterlaceApiAvailabilityBudgetBurn`, ... */
function alertName(o: Objectives, indicator: Indicator): string {
  const words = `${o.kind}-${indicator.slo}`.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1));
  return `Interlace${words.join('')}BudgetBurn`;
}

function annotations(o: Objectives, indicator: Indicator, window: string, burn: number): Record<string, string> {
  const what = o.kind === 'route' ? `Route ${o.name} (${o.source} → ${o.targets.join(', ')})` : `API ${o.name}`;
  const impact =
    o.kind === 'route'
      ? `Events from ${o.source} are not reaching ${o.targets.join(', ')} as promised: ${indicator.promise}.`
      : `Callers of ${o.name} are not served as promised: ${indicator.promise}.`;
  const out: Record<string, string> = {
    summary: `${what} is burning its ${indicator.slo} error budget ${burn}× too fast (last ${window})`,
    description: `${impact} At this rate the ${o.window} budget lasts ${budgetLasts(o.windowSeconds, burn)}.${o.description ? ` ${o.description}` : ''}`,
    [o.kind]: o.name,
    objective: indicator.objectiveText,
    owner: o.owner,
    runbook_url: o.runbook,
  };
  if (o.kind === 'route') {
    out.source_system = o.source;
    out.target_systems = o.targets.join(', ');
  }
  return out;
}

function budgetLasts(windowSeconds: number, burn: number): string {
  const hours = windowSeconds / burn / 3600;
  return hours >= 48 ? `${Math.round(hours / 24)} days` : `${Math.round(hours * 10) / 10} hours`;
}

function at(expr: string, window: string): string {
  return expr.replaceAll('$window', window);
}

/** Rounded to 10 significant digits, so `1 - 0.99` prints as 0.01. */
function round(n: number): number {
  return Number(n.toPrecision(10));
}

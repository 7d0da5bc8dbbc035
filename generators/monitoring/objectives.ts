import type { SpecDocument } from '../../language/validate/estate-index.ts';
import { DEFAULT_SLO_INTERVAL, DEFAULT_SLO_WINDOW, bucketLabel, durationSeconds, objectiveRatio } from '../../language/slo/objectives.ts';

/** One measurable objective: a ratio of bad to all events, and the share of good events promised. */
export interface Indicator {
  /** `latency`, `dead-letters` (routes) or `availability`, `latency` (APIs); the `slo` label. */
  slo: string;
  /** The objective as a ratio (0.99). */
  objective: number;
  /** The objective as the spec wrote it (`99%`). */
  objectiveText: string;
  /** PromQL for the rate of bad events over `[$window]` (the text `$window` is replaced). */
  bad: string;
  /** PromQL for the rate of all events over `[$window]`. */
  total: string;
  /** What the objective promises, in words, for alert text. */
  promise: string;
}

/** The objectives of one route or API and the business facts alerts carry. */
export interface Objectives {
  kind: 'route' | 'api';
  /** Route name, or `<api>@<major>` as the `api` metric label reads. */
  name: string;
  /** The metric label that selects this unit: `route` or `api`. */
  label: 'route' | 'api';
  owner: string;
  description: string;
  /** Source system (routes: the System or `topic <name>`). */
  source: string;
  /** Target systems and topics. */
  targets: string[];
  windowSeconds: number;
  window: string;
  interval: string;
  runbook: string;
  indicators: Indicator[];
}

/** Where an alert points when the spec names no runbook: the repository's own page on SLO alerts. */
export const DEFAULT_RUNBOOK = 'docs/observability.md#when-an-slo-alert-fires';

/**
 * The objectives declared in validated specs (`spec.slo` on EventRoutes and Apis), in document
 * order. Values validation refused (checkSlo) never get here, because generate runs on a valid estate;
 * anything still unreadable is left out rather than guessed.
 */
export function objectivesOf(documents: readonly SpecDocument[]): Objectives[] {
  const out: Objectives[] = [];
  for (const doc of documents) {
    if (doc.kind === 'EventRoute' && doc.spec.slo) {
      const slo = doc.spec.slo;
      const chosen = slo.targets ?? doc.spec.targets.map((t) => t.name);
      const selector = `route="${doc.name}",target=~"${chosen.join('|')}"`;
      const indicators: Indicator[] = [];
      const latency = slo.latency && ratioAndSeconds(slo.latency.objective, slo.latency.threshold);
      if (slo.latency && latency) {
        indicators.push({
          slo: 'latency',
          objective: latency.ratio,
          objectiveText: slo.latency.objective,
          bad: `sum by (namespace, route) (rate(interlace_route_event_latency_seconds_count{${selector}}[$window])) - sum by (namespace, route) (rate(interlace_route_event_latency_seconds_bucket{${selector},le="${bucketLabel(latency.seconds)}"}[$window]))`,
          total: `sum by (namespace, route) (rate(interlace_route_event_latency_seconds_count{${selector}}[$window]))`,
          promise: `${slo.latency.objective} of events delivered within ${slo.latency.threshold} of the source event`,
        });
      }
      const dl = slo.deadLetters && objectiveRatio(slo.deadLetters.objective);
      if (slo.deadLetters && dl !== undefined) {
        indicators.push({
          slo: 'dead-letters',
          objective: dl,
          objectiveText: slo.deadLetters.objective,
          bad: `sum by (namespace, route) (rate(interlace_route_messages_total{${selector},outcome=~"dead_lettered|parked"}[$window]))`,
          total: `sum by (namespace, route) (rate(interlace_route_messages_total{${selector},outcome=~"delivered|dead_lettered|parked"}[$window]))`,
          promise: `${slo.deadLetters.objective} of events delivered rather than dead-lettered`,
        });
      }
      const source = doc.spec.source.system ?? (doc.spec.source.topic ? `topic ${doc.spec.source.topic}` : 'unknown');
      const targets = doc.spec.targets
        .filter((t) => chosen.includes(t.name))
        .map((t) => t.system ?? (t.topic ? `topic ${t.topic}` : t.name));
      out.push(common(doc, 'route', doc.name, 'route', slo, source, targets, indicators));
    } else if (doc.kind === 'Api' && doc.spec.slo) {
      const slo = doc.spec.slo;
      const name = `${doc.name}@${doc.spec.version.split('.')[0]}`;
      const ops = slo.operations ?? doc.spec.operations.map((o) => o.id);
      const selector = `api="${name}",operation=~"${ops.join('|')}"`;
      const indicators: Indicator[] = [];
      const availability = slo.availability && objectiveRatio(slo.availability.objective);
      if (slo.availability && availability !== undefined) {
        indicators.push({
          slo: 'availability',
          objective: availability,
          objectiveText: slo.availability.objective,
          bad: `sum by (namespace, api) (rate(interlace_api_requests_total{${selector},status=~"5.."}[$window]))`,
          total: `sum by (namespace, api) (rate(interlace_api_requests_total{${selector}}[$window]))`,
          promise: `${slo.availability.objective} of requests answered without a server error`,
        });
      }
      const latency = slo.latency && ratioAndSeconds(slo.latency.objective, slo.latency.threshold);
      if (slo.latency && latency) {
        indicators.push({
          slo: 'latency',
          objective: latency.ratio,
          objectiveText: slo.latency.objective,
          bad: `sum by (namespace, api) (rate(interlace_api_request_duration_seconds_count{${selector}}[$window])) - sum by (namespace, api) (rate(interlace_api_request_duration_seconds_bucket{${selector},le="${bucketLabel(latency.seconds)}"}[$window]))`,
          total: `sum by (namespace, api) (rate(interlace_api_request_duration_seconds_count{${selector}}[$window]))`,
          promise: `${slo.latency.objective} of requests answered within ${slo.latency.threshold}`,
        });
      }
      out.push(common(doc, 'api', name, 'api', slo, 'its callers', [], indicators));
    }
  }
  return out;
}

function common(
  doc: SpecDocument<'EventRoute'> | SpecDocument<'Api'>,
  kind: Objectives['kind'],
  name: string,
  label: Objectives['label'],
  slo: { window?: string; interval?: string; runbook?: string },
  source: string,
  targets: string[],
  indicators: Indicator[],
): Objectives {
  const window = slo.window ?? DEFAULT_SLO_WINDOW;
  return {
    kind,
    name,
    label,
    owner: doc.spec.owner ?? 'unowned',
    description: firstLine(doc.spec.description ?? ''),
    source,
    targets,
    window,
    windowSeconds: durationSeconds(window) ?? 30 * 86400,
    interval: slo.interval ?? DEFAULT_SLO_INTERVAL,
    runbook: slo.runbook ?? DEFAULT_RUNBOOK,
    indicators,
  };
}

function ratioAndSeconds(objective: string, threshold: string): { ratio: number; seconds: number } | undefined {
  const ratio = objectiveRatio(objective);
  const seconds = durationSeconds(threshold);
  return ratio === undefined || seconds === undefined ? undefined : { ratio, seconds };
}

function firstLine(text: string): string {
  // The first sentence of the description, on one line: an alert annotation is read in a pager.
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/[.!?](\s|$)/);
  const sentence = end === -1 ? flat : flat.slice(0, end + 1);
  return sentence.length > 300 ? `${sentence.slice(0, 299)}…` : sentence;
}

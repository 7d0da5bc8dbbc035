import { didYouMean } from '../../lib/did-you-mean.ts';
import type { PathSegment } from '../diagnostics/diagnostic.ts';
import type { SloLatency } from '../kinds/generated/kinds.ts';
import {
  API_LATENCY_BUCKETS,
  DEFAULT_SLO_INTERVAL,
  DEFAULT_SLO_WINDOW,
  ROUTE_EVENT_LATENCY_BUCKETS,
  SHORTEST_ALERT_WINDOW_SECONDS,
  durationSeconds,
  objectiveRatio,
} from '../slo/objectives.ts';
import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

interface SloCommon {
  latency?: SloLatency;
  window?: string;
  interval?: string;
}

/**
 * The meaning of `spec.slo` on an EventRoute or an Api, which the schema cannot say: objectives
 * strictly between 0% and 100% (100% leaves no error budget, and a burn rate divides by the budget),
 * a latency threshold Prometheus can count exactly (a bucket of the histogram), a window longer than
 * the evaluation interval, an interval no longer than the fastest alert's 5-minute window, and the
 * targets or operations it names must be the document's own.
 */
export function checkSlo(doc: SpecDocument, report: Reporter): void {
  if (doc.kind === 'EventRoute') {
    const slo = doc.spec.slo;
    if (!slo) return;
    checkCommon(doc, slo, ROUTE_EVENT_LATENCY_BUCKETS, report);
    if (slo.deadLetters) checkObjective(doc, slo.deadLetters.objective, ['spec', 'slo', 'deadLetters', 'objective'], report);
    const names = doc.spec.targets.map((t) => t.name);
    slo.targets?.forEach((name, i) => {
      if (names.includes(name)) return;
      const near = didYouMean(name, names);
      report.add(
        doc,
        'slo-unknown-reference',
        ['spec', 'slo', 'targets', i],
        `slo.targets names "${name}", which is not a target of this route`,
        near ? `Did you mean "${near}"? The targets are: ${names.join(', ')}.` : `The targets are: ${names.join(', ')}.`,
      );
    });
  } else if (doc.kind === 'Api') {
    const slo = doc.spec.slo;
    if (!slo) return;
    checkCommon(doc, slo, API_LATENCY_BUCKETS, report);
    if (slo.availability) checkObjective(doc, slo.availability.objective, ['spec', 'slo', 'availability', 'objective'], report);
    const ids = doc.spec.operations.map((o) => o.id);
    slo.operations?.forEach((id, i) => {
      if (ids.includes(id)) return;
      const near = didYouMean(id, ids);
      report.add(
        doc,
        'slo-unknown-reference',
        ['spec', 'slo', 'operations', i],
        `slo.operations names "${id}", which is not an operation of this API`,
        near ? `Did you mean "${near}"? The operations are: ${ids.join(', ')}.` : `The operations are: ${ids.join(', ')}.`,
      );
    });
  }
}

function checkCommon(doc: SpecDocument, slo: SloCommon, buckets: readonly number[], report: Reporter): void {
  if (slo.latency) {
    checkObjective(doc, slo.latency.objective, ['spec', 'slo', 'latency', 'objective'], report);
    const threshold = durationSeconds(slo.latency.threshold);
    if (threshold !== undefined && !buckets.includes(threshold)) {
      const nearest = buckets.reduce((a, b) => (Math.abs(b - threshold) < Math.abs(a - threshold) ? b : a));
      report.add(
        doc,
        'slo-invalid',
        ['spec', 'slo', 'latency', 'threshold'],
        `latency threshold ${slo.latency.threshold} is not a bucket of the latency histogram, so Prometheus could only estimate how many events meet it`,
        `Use a bucket boundary, e.g. ${formatSeconds(nearest)}; the buckets are ${buckets.map(formatSeconds).join(', ')}.`,
      );
    }
  }
  const window = durationSeconds(slo.window ?? DEFAULT_SLO_WINDOW);
  const interval = durationSeconds(slo.interval ?? DEFAULT_SLO_INTERVAL);
  if (interval !== undefined && interval > SHORTEST_ALERT_WINDOW_SECONDS) {
    report.add(
      doc,
      'slo-invalid',
      ['spec', 'slo', 'interval'],
      `evaluation interval ${slo.interval} is longer than the fastest alert's 5m window: that alert would see at most one sample`,
      'Evaluate at most every 5m; the default is 1m.',
    );
  }
  if (window !== undefined && interval !== undefined && window <= interval) {
    report.add(
      doc,
      'slo-invalid',
      ['spec', 'slo', slo.window !== undefined ? 'window' : 'interval'],
      `the SLO window (${slo.window ?? DEFAULT_SLO_WINDOW}) is not longer than the evaluation interval (${slo.interval ?? DEFAULT_SLO_INTERVAL}): the objective would be judged on one evaluation`,
      'Measure over days (the default window is 720h, 30 days) and evaluate every minute or so.',
    );
  }
}

function checkObjective(doc: SpecDocument, text: string, path: PathSegment[], report: Reporter): void {
  const ratio = objectiveRatio(text);
  if (ratio === undefined || (ratio > 0 && ratio < 1)) return;
  report.add(
    doc,
    'slo-invalid',
    path,
    ratio >= 1
      ? `objective ${text} leaves no error budget${ratio > 1 ? ' (more than every event)' : ''}: no burn rate can be computed`
      : `objective ${text} asks for no good events at all`,
    'Give a percentage above 0% and below 100%, e.g. 99% or 99.9%.',
  );
}

function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

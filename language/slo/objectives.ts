import { parseDuration } from '../../lib/duration.ts';

/**
 * What the spec language knows about service-level objectives: the latency histograms' bucket
 * boundaries (a latency threshold must be one of them, so Prometheus counts "within the threshold"
 * exactly from the `le` bucket instead of interpolating), the defaults, and how an objective's text
 * reads. The worker's metrics (runtime/observe/metrics.ts), validation and the monitoring generator
 * read these constants, so the three agree.
 */

/** Buckets (seconds) of `interlace_route_event_latency_seconds`: source event → target effect. */
export const ROUTE_EVENT_LATENCY_BUCKETS: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400,
];

/** Buckets (seconds) of `interlace_api_request_duration_seconds`. */
export const API_LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The error-budget period when a spec gives no `window`: 30 days, the period the SRE workbook's burn
 * rates (14.4, 6, 3, 1) are computed for.
 */
export const DEFAULT_SLO_WINDOW = '720h';

/** The rule group's evaluation interval when a spec gives no `interval`. */
export const DEFAULT_SLO_INTERVAL = '1m';

/**
 * The shortest window of the generated alerts (the fast-burn page looks at the last 5 minutes): an
 * evaluation interval longer than this would look at a window it cannot sample.
 */
export const SHORTEST_ALERT_WINDOW_SECONDS = 300;

/** An objective's text (`99.9%`) as a ratio (0.999), or undefined when it is not a percentage. */
export function objectiveRatio(text: string): number | undefined {
  const match = /^([0-9]{1,3}(?:\.[0-9]{1,6})?)%$/.exec(text);
  return match ? Number(match[1]) / 100 : undefined;
}

/** A duration text in whole seconds (rounded down to the millisecond first), or undefined. */
export function durationSeconds(text: string): number | undefined {
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.ms / 1000 : undefined;
}

/** Prometheus' spelling of a `le` bound: `300`, `0.25`. */
export function bucketLabel(seconds: number): string {
  return String(seconds);
}

/**
 * A Prometheus configuration for `interlace run`: one scrape job for the run's gateway, whose
 * `/metrics` carries every unit's metrics (one registry in one process), and the SLO rules the run
 * generated (`<run-dir>/generated/monitoring/prometheus-rules.yaml`, rewritten on a hot reload).
 * `prometheus --config.file=<run-dir>/prometheus.yml` then records the same series the cluster's
 * Prometheus would (docs/observability.md). Pure: the caller writes the text.
 */
import { stringify } from 'yaml';

export interface RunPrometheusConfigInput {
  /** The gateway's URL (`http://127.0.0.1:7400`). */
  gatewayUrl: string;
  /** Absolute path of the generated rules file. */
  rulesFile: string;
  /** How often to scrape (default 5s: a run is short-lived and local). */
  scrapeInterval?: string;
}

/** The scrape job's name; the `job` label of every series the run exports. */
export const RUN_SCRAPE_JOB = 'interlace-run';

export function runPrometheusConfig(input: RunPrometheusConfigInput): string {
  const url = new URL(input.gatewayUrl);
  const config = {
    global: { scrape_interval: input.scrapeInterval ?? '5s', evaluation_interval: input.scrapeInterval ?? '5s' },
    // Each rule group brings its own `interval` (the spec's `slo.interval`), which wins over the global one.
    rule_files: [input.rulesFile],
    scrape_configs: [
      {
        job_name: RUN_SCRAPE_JOB,
        metrics_path: '/metrics',
        scheme: url.protocol.replace(':', ''),
        static_configs: [{ targets: [url.host] }],
      },
    ],
  };
  return `# Written by interlace run: prometheus --config.file=<this file>. Rewritten at every start.\n${stringify(config)}`;
}

import type { FuzzReport } from './fuzz.ts';
import { STAGES } from './pipeline.ts';

/** The closing summary of a fuzz run: cases, how far they got, failures, slowest case and heap growth. */
export function formatReport(report: FuzzReport): string {
  const stages = STAGES.map((s) => `${s} ${report.reached[s]} (${report.passed[s]} clean)`).join(', ');
  const kinds = new Map<string, number>();
  for (const f of report.failures) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  return [
    `fuzz seed ${report.seed}: ${report.cases} cases in ${report.seconds.toFixed(0)} s`,
    `  reached: ${stages}`,
    `  slowest case ${report.slowestCpuMs.toFixed(0)} ms CPU, largest heap growth ${report.maxHeapGrowthMb.toFixed(0)} MB`,
    `  failures: ${report.failures.length}${kinds.size > 0 ? ` (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}`,
  ].join('\n');
}

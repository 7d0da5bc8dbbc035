import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { journeyFile, readJourney } from '../../runtime/run/journey-index.ts';
import type { JourneyStep } from '../../runtime/run/journey-index.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, UsageError } from '../exit-codes.ts';
import { renderTable } from '../kube-views.ts';

export const TRACE_HELP = `Usage: interlace trace <business-key> [options]

The journey of one order, shipment or purchase order through the estate run by \`interlace run\`: every
route target its messages passed, with the time, the Systems at both ends and the outcome (delivered,
retrying, failed, duplicate, dead-lettered, parked), oldest first. The key is any business-key value
a contract declares (an order number, a PO number, a warehouse). Read from the run's journey index
(<run-dir>/journeys.jsonl); fields classified pii or confidential are never in it.
  --run-dir <dir>   the run's state folder (default .interlace/run; --state-dir is the same)
  --json            the steps as JSON
Exit codes: 0 found, 1 no step carries this key, 2 the tool failed (no journey index in the run folder).`;

/** `interlace trace <business-key>`. */
export async function runTrace(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'run-dir': { type: 'string' },
      'state-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(TRACE_HELP + '\n');
    return EXIT_CLEAN;
  }
  if (positionals.length !== 1 || positionals[0]!.length === 0)
    throw new UsageError('interlace trace takes one business key (interlace trace DP-2026-100001)');
  const key = positionals[0]!;
  const runDir = resolve(context.cwd, values['run-dir'] ?? values['state-dir'] ?? '.interlace/run');
  if (!existsSync(journeyFile(runDir)))
    throw new Error(`no journey index at ${journeyFile(runDir)}: start the estate with \`interlace run\` (or pass --run-dir)`);
  const steps = readJourney(runDir, key);
  if (values.json) {
    context.stdout(`${JSON.stringify({ key, steps }, null, 2)}\n`);
    return steps.length > 0 ? EXIT_CLEAN : EXIT_FINDINGS;
  }
  if (steps.length === 0) {
    context.stdout(`No step of any route carries the business key "${key}" in ${journeyFile(runDir)}.\n`);
    return EXIT_FINDINGS;
  }
  context.stdout(renderJourney(key, steps));
  return EXIT_CLEAN;
}

/** The journey as a heading and a table, pure. */
export function renderJourney(key: string, steps: readonly JourneyStep[]): string {
  const first = Date.parse(steps[0]!.time);
  const last = Date.parse(steps.at(-1)!.time);
  const routes = new Set(steps.map((s) => s.route));
  const systems = new Set(steps.flatMap((s) => [s.from, s.to].filter((x): x is string => x !== undefined && !x.startsWith('topic '))));
  const heading = `Journey of ${key}: ${steps.length} step${steps.length === 1 ? '' : 's'} through ${routes.size} route${routes.size === 1 ? '' : 's'} and ${systems.size} system${systems.size === 1 ? '' : 's'}, ${steps[0]!.time} → ${steps.at(-1)!.time} (${formatMs(last - first)})\n\n`;
  const rows = steps.map((s) => [
    s.time.replace('T', ' ').replace('Z', ''),
    `+${formatMs(Date.parse(s.time) - first)}`,
    s.target ? `${s.route}/${s.target}` : s.route,
    `${s.from ?? '?'} → ${s.to ?? s.target ?? '?'}`,
    s.outcome,
    [s.reason, s.status !== undefined ? `status ${s.status}` : undefined, s.attempts !== undefined ? `attempt ${s.attempts}` : undefined]
      .filter(Boolean)
      .join(', '),
    Object.entries(s.keys)
      .filter(([, value]) => value !== key)
      .map(([name, value]) => `${name}=${value}`)
      .join(' '),
  ]);
  return heading + renderTable(['TIME', 'AFTER', 'ROUTE/TARGET', 'FROM → TO', 'OUTCOME', 'DETAIL', 'OTHER KEYS'], rows);
}

function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

import { parseArgs } from 'node:util';
import { computeImpact } from '../../governance/impact.ts';
import { isKindName, VERSIONED_KINDS } from '../../language/kinds/registry.ts';
import type { KindName } from '../../language/kinds/registry.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, UsageError } from '../exit-codes.ts';
import { ValidationSession } from '../../language/validation-session.ts';

export const IMPACT_HELP = `Usage: interlace impact <name@major | Kind/name[@major]> [paths...] [--format text|json]

Lists what depends on a contract, API or route — mappings, routes, APIs, systems — and the owners to
notify. A bare \`name@major\` means a DataContract.`;

export async function runImpact(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { format: { type: 'string', default: 'text' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    context.stdout(IMPACT_HELP + '\n');
    return EXIT_CLEAN;
  }
  const [target, ...paths] = positionals;
  if (!target) throw new UsageError('name the document, e.g. `interlace impact order@2` or `interlace impact Api/availability@1`');
  const slash = target.indexOf('/');
  const kind = (slash === -1 ? 'DataContract' : target.slice(0, slash)) as KindName;
  const reference = slash === -1 ? target : target.slice(slash + 1);
  if (!isKindName(kind)) throw new UsageError(`unknown kind "${kind}"`);
  const run = new ValidationSession().run(paths.length > 0 ? paths : ['specs'], { cwd: context.cwd });
  const resolved = run.result.index.resolve(
    kind,
    VERSIONED_KINDS.has(kind) && !reference.includes('@') ? `${reference}@>=0.0.0` : reference,
  );
  if (!resolved.ok) {
    context.stderr(`interlace: ${resolved.message}\n  hint: ${resolved.hint}\n`);
    return EXIT_FINDINGS;
  }
  const impact = computeImpact(run.result.index, resolved.target);
  if (values.format === 'json') {
    context.stdout(JSON.stringify(impact, null, 2) + '\n');
    return EXIT_CLEAN;
  }
  const lines = [`${impact.identity}${impact.owner ? `  (owner ${impact.owner})` : ''}`];
  if (impact.dependents.length === 0) lines.push('  nothing depends on it');
  const width = Math.max(8, ...impact.dependents.map((d) => d.identity.length));
  for (const d of impact.dependents) lines.push(`  ${d.identity.padEnd(width)}  ${(d.owner ?? '—').padEnd(24)}  via ${d.via}`);
  lines.push(`notify: ${impact.owners.join(', ') || '—'}`);
  context.stdout(lines.join('\n') + '\n');
  return EXIT_CLEAN;
}

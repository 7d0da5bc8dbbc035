import { interlacePackage } from '../package-info.ts';
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, UsageError } from '../exit-codes.ts';
import { CI_CHOICES, isValidPackageName, packageNameFrom, scaffoldFiles } from '../init/scaffold.ts';
import type { CiChoice } from '../init/scaffold.ts';

export const INIT_HELP = `Usage: interlace init [dir] [options]

Scaffolds an estate repository in <dir> (default: the current directory): package.json depending on
interlace, specs/ (contracts, a system, a mapping with a test, a route, an API, a baseline policy),
the CI pipeline, editor settings, .gitignore and a README; then writes the editor schemas and generated/.
  --name <name>                 npm package name (default: the directory's name)
  --ci github|gitlab|none       which CI pipeline to write (default: github)
  --yes, -y                     ask nothing; take the defaults for what no flag gives
  --force                       write into a non-empty directory; every file replaced is listed
Exit codes: 0 written, 2 nothing written (a file, an unwritable or non-empty directory, a bad flag).`;

export async function runInit(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      ci: { type: 'string' },
      yes: { type: 'boolean', short: 'y', default: false },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(INIT_HELP + '\n');
    return EXIT_CLEAN;
  }
  if (positionals.length > 1) throw new UsageError(`init takes one directory, not ${positionals.length}: ${positionals.join(' ')}`);
  const dir = resolve(context.cwd, positionals[0] ?? '.');
  const shown = relative(context.cwd, dir) || '.';
  // Everything that can refuse is decided before the first byte is written.
  const refusal = targetRefusal(dir, shown, values.force);
  if (refusal) throw new UsageError(refusal);

  const asked = values.yes || !process.stdin.isTTY ? {} : await ask({ name: values.name, ci: values.ci }, packageNameFrom(basename(dir)));
  const name = values.name ?? asked.name ?? packageNameFrom(basename(dir));
  if (!isValidPackageName(name)) {
    throw new UsageError(`--name "${name}" is not an npm package name (lower case letters, digits, - . _ ~, optionally @scope/)`);
  }
  const ci = values.ci ?? asked.ci ?? 'github';
  if (!CI_CHOICES.includes(ci as CiChoice)) throw new UsageError(`--ci "${ci}" is not one of ${CI_CHOICES.join(', ')}`);

  // Generated code imports these at run time, so the estate's own project depends on them directly
  // (a strict installer such as pnpm does not hoist Interlace's dependencies).
  const runtimeDependencies = interlacePackage(import.meta.url).dependencies;
  const files = scaffoldFiles({
    name,
    ci: ci as CiChoice,
    interlaceVersion: context.version,
    re2jsRange: runtimeDependencies.re2js ?? '*',
  });
  const replaced: string[] = [];
  for (const [path, text] of files) {
    const target = join(dir, path);
    if (existsSync(target)) {
      if (readFileSync(target, 'utf8') === text) continue;
      replaced.push(path);
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  context.stdout(`Created the estate ${name} in ${shown}: ${files.size} files (${ci === 'none' ? 'no CI pipeline' : `${ci} CI`})\n`);
  for (const path of replaced) context.stdout(`  replaced ${path} (it existed; --force)\n`);

  // The editor schemas and generated/ make the new repository pass its own pipeline at once.
  const { runSchema } = await import('./schema.ts');
  const quiet: CommandContext = { ...context, cwd: dir, stderr: () => {} };
  runSchema(['--out', '.interlace/schemas'], quiet);
  const { runGenerate } = await import('./generate.ts');
  const generated = await runGenerate(['specs', '--out', 'generated', '--no-color'], { ...context, cwd: dir, stdout: () => {} });
  if (generated !== EXIT_CLEAN) return generated;

  const cd = shown === '.' ? '' : `cd ${shown} && `;
  context.stdout(
    `Next:\n  ${cd}npm install && npm test\n  git init -b main && git add . && git commit -m "Interlace estate"\n` +
      `Then edit specs/ and run \`npx interlace validate specs\`; pull requests run ${ci === 'github' ? '.github/workflows/interlace.yml' : ci === 'gitlab' ? '.gitlab-ci.yml' : 'no pipeline yet (see interlace init --ci)'}.\n`,
  );
  return EXIT_CLEAN;
}

/** Why init must not write into dir, or undefined when it may. */
function targetRefusal(dir: string, shown: string, force: boolean): string | undefined {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const stat = lstatSync(existing);
  if (!stat.isDirectory()) {
    return existing === dir
      ? `${shown} is a file, not a directory; give init a new or empty directory`
      : `${existing} is a file, so ${shown} cannot be created; give init a new or empty directory`;
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'not writable';
    return `${existing === dir ? shown : existing} is not writable (${code}); give init a directory you can write to`;
  }
  if (existing === dir && !force) {
    const entries = readdirSync(dir);
    if (entries.length > 0) {
      const some = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
      return `${shown} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}: ${some}); give init a new or empty directory, or --force to add the estate's files (replaced files are listed)`;
    }
  }
  return undefined;
}

/** Asks for what no flag gave, on a terminal; Enter takes the default. */
async function ask(
  given: { name: string | undefined; ci: string | undefined },
  defaultName: string,
): Promise<{ name?: string; ci?: string }> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const out: { name?: string; ci?: string } = {};
    if (given.name === undefined) out.name = (await rl.question(`package name (${defaultName}): `)).trim() || defaultName;
    if (given.ci === undefined) out.ci = (await rl.question('CI: github, gitlab or none (github): ')).trim() || 'github';
    return out;
  } finally {
    rl.close();
  }
}

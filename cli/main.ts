import { interlacePackage } from './package-info.ts';
import type { CommandContext } from './command.ts';
import { EXIT_CLEAN, EXIT_TOOL_FAILURE, UsageError } from './exit-codes.ts';

const HELP = `interlace — integration-as-code for distributors

Usage: interlace <command> [options]

Commands:
  init [dir]            scaffold an estate repository: specs, CI pipeline, editor settings (--name, --ci, --yes)
  validate [paths...]   load and validate specs; file:line:col diagnostics (text, json, sarif, github)
  check [paths...]      validate, enforce policies and find breaking changes against --base <git-ref>
  impact <name@major>   what depends on a contract, API or route, and whose it is
  schema                publish the JSON Schemas of the spec kinds for editors
  generate [paths...]   generate typed TypeScript, validators, mappings and bundles (--out <dir>, --check)
  test [paths...]       run every Mapping's tests on its fixtures (JSON, X12 or EDIFACT)
  plan [paths...]       render the Kubernetes objects the controller would apply (--offline), or diff them live
  apply [paths...]      reconcile the cluster once from the working tree and print the change set
  status                the estates and Interlace objects in a namespace, as kubectl get interlace shows them
  get [estates]         the estates as a table (revision, suspended, ready, message, age), as flux get shows them
  events <estate>       the Kubernetes Events of an estate and the objects it applied, oldest first
  reconcile <estate>    ask the controller to reconcile an estate now and wait for the result
  controller            run the GitOps controller (watch Estates, fetch Git, gate, apply, prune, report)
  run [paths...]        run the whole estate locally with simulated systems, a live view and hot reload
  trace <business-key>  the journey of one order/shipment/PO through the routes of an interlace run, with times and outcomes
  dlq list|show|replay|purge  inspect dead letters, replay them (idempotently), purge them
  workflow list|show|signal|approve|reject|cancel  workflow executions of an interlace run: where each is, its audit trail
  worker --bundle <dir> run deployable units from their bundles (the process the controller deploys)

Run \`interlace <command> --help\` for a command's options. Global: --verbose (stack traces on failure), --version.`;

type Command = (argv: string[], context: CommandContext) => number | Promise<number>;
// Commands load on first use: `validate` should not pay for git, CEL planning or code generation.
const COMMANDS: Record<string, Command> = {
  init: async (argv, context) => (await import('./commands/init.ts')).runInit(argv, context),
  validate: async (argv, context) => (await import('./commands/validate.ts')).runValidate(argv, context),
  check: async (argv, context) => (await import('./commands/check.ts')).runCheck(argv, context),
  impact: async (argv, context) => (await import('./commands/impact.ts')).runImpact(argv, context),
  schema: async (argv, context) => (await import('./commands/schema.ts')).runSchema(argv, context),
  generate: async (argv, context) => (await import('./commands/generate.ts')).runGenerate(argv, context),
  test: async (argv, context) => (await import('./commands/test.ts')).runTest(argv, context),
  plan: async (argv, context) => (await import('./commands/plan.ts')).runPlan(argv, context),
  apply: async (argv, context) => (await import('./commands/apply.ts')).runApply(argv, context),
  status: async (argv, context) => (await import('./commands/status.ts')).runStatus(argv, context),
  get: async (argv, context) => (await import('./commands/get.ts')).runGet(argv, context),
  events: async (argv, context) => (await import('./commands/events.ts')).runEvents(argv, context),
  reconcile: async (argv, context) => (await import('./commands/reconcile.ts')).runReconcile(argv, context),
  controller: async (argv, context) => (await import('./commands/controller.ts')).runController(argv, context),
  run: async (argv, context) => (await import('./commands/run.ts')).runRun(argv, context),
  trace: async (argv, context) => (await import('./commands/trace.ts')).runTrace(argv, context),
  dlq: async (argv, context) => (await import('./commands/dlq.ts')).runDlq(argv, context),
  workflow: async (argv, context) => (await import('./commands/workflow.ts')).runWorkflow(argv, context),
  worker: async (argv, context) => (await import('./commands/worker.ts')).runWorker(argv, context),
};

/** Runs the CLI and returns its exit code; never throws. */
export async function main(argv: string[], context: CommandContext = defaultContext()): Promise<number> {
  const verbose = argv.includes('--verbose');
  const args = argv.filter((a) => a !== '--verbose');
  const [name, ...rest] = args;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      context.stdout(HELP + '\n');
      return name === undefined ? EXIT_TOOL_FAILURE : EXIT_CLEAN;
    }
    if (name === '--version' || name === 'version') {
      context.stdout(context.version + '\n');
      return EXIT_CLEAN;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await command(rest, context);
  } catch (error) {
    const isUsage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    context.stderr(`interlace: ${isUsage ? '' : 'failed: '}${(error as Error).message}\n`);
    if (verbose && !isUsage) context.stderr(`${(error as Error).stack}\n`);
    else if (!isUsage) context.stderr('Run again with --verbose for a stack trace, and report it if it looks like a bug.\n');
    return EXIT_TOOL_FAILURE;
  }
}

function defaultContext(): CommandContext {
  return {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    version: packageVersion(),
  };
}

/** The version in Interlace's own package.json. */
function packageVersion(): string {
  return interlacePackage(import.meta.url).version;
}

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { displayStatus, openRunWorkflowStore, workflowStoreFile } from '../../runtime/run/run-workflows.ts';
import { DECISION_SIGNAL } from '../../runtime/workflow/context.ts';
import type { ExecutionDetail } from '../../runtime/workflow/engine.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, UsageError } from '../exit-codes.ts';
import { formatExecutionDetail, formatExecutionList } from '../format/workflow-status.ts';

export const WORKFLOW_HELP = `Usage: interlace workflow list|show <id>|signal <id> <name>|approve <id>|reject <id>|cancel <id> [options]

Workflow executions of an \`interlace run\`, read from its embedded workflow store
(<run-dir>/workflows.db). An execution's id is <workflow>@<major>/<business key>, e.g.
replenishment@1/PRP-0042. Signals and cancellations are stored; the running \`interlace run\` acts on
them (or the next one, after a restart).
  list                 every execution: status (running, waiting, completed, failed, compensated,
                       escalated, cancelled), current step, waits with their deadlines, why it ended
  show <id>            one execution: where it is, its input and state, and its whole history (the
                       audit trail) with times
  signal <id> <name>   send a signal (a \`wait\` step's event is the signal event:<topic>); --data <json>
  approve <id>         decide its open human task: approve (--by <who> required, --comment <text>)
  reject <id>          decide its open human task: reject (--by <who> required, --comment <text>)
  cancel <id>          stop it: its pending wait fails, its compensations run, it ends cancelled
  --status <s>         list: only executions with this status
  --reason <text>      cancel: why (recorded in the history)
  --run-dir <dir>      the run's state folder (default .interlace/run)
  --json               machine-readable output
Exit codes: 0 done, 1 an id is unknown or has ended (signal, cancel), 2 the tool failed.`;

const ACTIONS = ['list', 'show', 'signal', 'approve', 'reject', 'cancel'];

function parseData(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(
      `--data is not JSON: ${error instanceof Error ? error.message : String(error)}; for example --data '{"poNumber":"PO-1"}'`,
    );
  }
}

export async function runWorkflow(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      data: { type: 'string' },
      by: { type: 'string' },
      comment: { type: 'string' },
      reason: { type: 'string' },
      status: { type: 'string' },
      'run-dir': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, id, name] = positionals;
  if (values.help || !action) {
    context.stdout(WORKFLOW_HELP + '\n');
    return values.help ? EXIT_CLEAN : EXIT_FINDINGS;
  }
  if (!ACTIONS.includes(action)) throw new UsageError(`unknown workflow action "${action}"; actions: ${ACTIONS.join(', ')}`);
  if (action !== 'list' && !id)
    throw new UsageError(`workflow ${action} needs an execution id (<workflow>@<major>/<key>; see workflow list)`);
  if (action === 'signal' && !name)
    throw new UsageError('workflow signal needs a signal name: workflow signal <id> <name> [--data <json>]');
  if ((action === 'approve' || action === 'reject') && !values.by?.trim())
    throw new UsageError(`workflow ${action} needs --by <who>: the audit trail records who decided`);
  const data = action === 'signal' ? parseData(values.data) : undefined;

  const runDir = resolve(context.cwd, values['run-dir'] ?? '.interlace/run');
  const engine = openRunWorkflowStore(runDir);
  if (!engine) {
    if (action === 'list') {
      context.stdout(values.json ? '[]\n' : `no workflow executions (no store at ${workflowStoreFile(runDir)})\n`);
      return EXIT_CLEAN;
    }
    throw new UsageError(`no workflow store at ${workflowStoreFile(runDir)}: start \`interlace run\` first, or pass --run-dir`);
  }
  try {
    const now = Date.now();
    if (action === 'list') {
      const details: ExecutionDetail[] = [];
      for (const summary of await engine.list()) {
        const detail = await engine.show(summary.id);
        if (detail && (!values.status || displayStatus(detail) === values.status)) details.push(detail);
      }
      context.stdout(
        values.json
          ? `${JSON.stringify(
              details.map(({ history: _history, input: _input, state: _state, ...rest }) => ({
                ...rest,
                display: displayStatus(rest as ExecutionDetail),
              })),
              null,
              2,
            )}\n`
          : formatExecutionList(details, now),
      );
      return EXIT_CLEAN;
    }
    if (action === 'show') {
      const detail = await engine.show(id!);
      if (!detail) {
        context.stderr(`interlace workflow: no execution ${id}\n`);
        return EXIT_FINDINGS;
      }
      context.stdout(values.json ? `${JSON.stringify(detail, null, 2)}\n` : formatExecutionDetail(detail, now));
      return EXIT_CLEAN;
    }
    try {
      if (action === 'cancel') {
        await engine.cancel(id!, values.reason ?? 'cancelled with interlace workflow cancel');
        context.stdout(`cancellation of ${id} stored; the running interlace run compensates and ends it\n`);
      } else {
        const signalName = action === 'signal' ? name! : DECISION_SIGNAL;
        const payload =
          action === 'signal'
            ? data
            : { decision: action, by: values.by!.trim(), ...(values.comment !== undefined ? { comment: values.comment } : {}) };
        await engine.signal(id!, signalName, payload);
        context.stdout(`signal ${signalName} stored for ${id}${action === 'signal' ? '' : ` (${action} by ${values.by!.trim()})`}\n`);
      }
    } catch (error) {
      // The engine says why it refused (unknown id, ended, malformed decision): a finding, not a crash.
      context.stderr(`interlace workflow: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_FINDINGS;
    }
    return EXIT_CLEAN;
  } finally {
    await engine.close();
  }
}

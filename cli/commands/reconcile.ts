import { parseArgs } from 'node:util';
import { KubeRest } from '../../controller/apply/index.ts';
import type { LiveObject } from '../../controller/apply/index.ts';
import { ESTATE_API_VERSION, ESTATE_KIND, RECONCILE_REQUESTED_AT } from '../../controller/reconcile/estate-types.ts';
import { parseDuration } from '../../lib/duration.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, EXIT_TOOL_FAILURE, UsageError } from '../exit-codes.ts';
import { commandNamespace, conditionOf } from '../kube-views.ts';

export const RECONCILE_HELP = `Usage: interlace reconcile <estate> [options]

Asks the controller to reconcile an Estate now, as \`flux reconcile\` does: sets the annotation
${RECONCILE_REQUESTED_AT}=<now> (a merge patch); the controller fetches the Git source again, gates
the revision and applies it, and records the value in status.lastHandledReconcileAt. Waits until
the Estate says it handled this request and is Ready, or has failed (prints the condition's reason
and message).
  -n, --namespace <ns>  namespace of the Estate (default: the kubeconfig's, else default)
  --timeout <duration>  how long to wait (default 5m)
  --kubeconfig <file>   default: $KUBECONFIG or ~/.kube/config
Exit codes: 0 handled and Ready, 1 the reconcile failed, the Estate is suspended or not Ready within
the timeout, 2 the tool or the cluster failed (an unknown Estate too).`;

/** How often the Estate is read while waiting. */
const POLL_MS = 500;

/** `interlace reconcile <estate>`. */
export async function runReconcile(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      timeout: { type: 'string', default: '5m' },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(RECONCILE_HELP + '\n');
    return EXIT_CLEAN;
  }
  if (positionals.length !== 1) throw new UsageError('interlace reconcile takes one Estate name (interlace reconcile <estate> [-n ns])');
  const timeout = parseDuration(values.timeout);
  if (!timeout.ok) throw new UsageError(`--timeout: ${timeout.reason}`);
  const name = positionals[0]!;
  const rest = KubeRest.fromKubeconfig(values.kubeconfig);
  const namespace = commandNamespace(rest, values.namespace)!;
  const ref = { apiVersion: ESTATE_API_VERSION, kind: ESTATE_KIND, namespace, name };
  const estate = await rest.getOrUndefined(ref);
  if (!estate) {
    context.stderr(`✗ Estate "${name}" not found in namespace "${namespace}"\n`);
    return EXIT_TOOL_FAILURE;
  }
  if ((estate as LiveObject & { spec?: { suspend?: boolean } }).spec?.suspend === true) {
    context.stderr(`✗ Estate ${namespace}/${name} is suspended: resume it (spec.suspend: false) before asking for a reconcile\n`);
    return EXIT_FINDINGS;
  }

  const requestedAt = new Date().toISOString();
  context.stderr(`► annotating Estate ${name} in namespace ${namespace}\n`);
  await rest.mergePatch(ref, { metadata: { annotations: { [RECONCILE_REQUESTED_AT]: requestedAt } } });
  context.stderr('◎ waiting for Estate reconciliation\n');

  const deadline = Date.now() + timeout.ms;
  let last: LiveObject | undefined;
  for (;;) {
    last = await rest.getOrUndefined(ref);
    if (!last) {
      context.stderr(`✗ Estate ${namespace}/${name} was deleted while waiting\n`);
      return EXIT_FINDINGS;
    }
    const verdict = judge(last, requestedAt);
    if (verdict.kind === 'ready') {
      context.stdout(`✔ applied revision ${verdict.revision}\n`);
      return EXIT_CLEAN;
    }
    if (verdict.kind === 'failed') {
      context.stderr(`✗ reconcile failed: ${verdict.reason}: ${verdict.message}\n`);
      return EXIT_FINDINGS;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
  }
  const handled = (last.status as { lastHandledReconcileAt?: string } | undefined)?.lastHandledReconcileAt === requestedAt;
  const ready = conditionOf(last, 'Ready');
  context.stderr(
    handled
      ? `✗ not Ready within ${values.timeout}: ${ready?.reason ?? 'Unknown'}: ${ready?.message ?? ''}\n`
      : `✗ the controller did not handle the request within ${values.timeout} (is it running and watching namespace ${namespace}?)\n`,
  );
  return EXIT_FINDINGS;
}

type Verdict = { kind: 'ready'; revision: string } | { kind: 'failed'; reason: string; message: string } | { kind: 'waiting' };

/**
 * What the Estate's status says about the request made at `requestedAt`: not handled yet (or handled
 * for an older generation), rolling out (waiting), Ready, or failed (Ready=False for any reason but
 * Progressing: a rejected revision, a failed fetch, gate or apply, degraded health).
 */
function judge(estate: LiveObject, requestedAt: string): Verdict {
  const status = (estate.status ?? {}) as { lastHandledReconcileAt?: string; observedGeneration?: number; lastAppliedRevision?: string };
  if (status.lastHandledReconcileAt !== requestedAt) return { kind: 'waiting' };
  if (estate.metadata.generation !== undefined && status.observedGeneration !== estate.metadata.generation) return { kind: 'waiting' };
  const ready = conditionOf(estate, 'Ready');
  if (ready?.status === 'True') return { kind: 'ready', revision: status.lastAppliedRevision ?? '' };
  if (ready?.status === 'False' && ready.reason !== 'Progressing')
    return { kind: 'failed', reason: ready.reason ?? 'Unknown', message: ready.message ?? '' };
  return { kind: 'waiting' };
}

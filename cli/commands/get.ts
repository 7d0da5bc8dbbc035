import { parseArgs } from 'node:util';
import { KubeRest } from '../../controller/apply/index.ts';
import type { LiveObject } from '../../controller/apply/index.ts';
import { ESTATE_API_VERSION, ESTATE_KIND } from '../../controller/reconcile/estate-types.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, UsageError } from '../exit-codes.ts';
import { age, commandNamespace, conditionOf, oneLine, renderTable } from '../kube-views.ts';

export const GET_HELP = `Usage: interlace get [estates] [name] [options]

Lists Estates as \`flux get kustomizations\` lists Kustomizations: NAME, REVISION (last applied),
SUSPENDED, READY (the Ready condition), MESSAGE (its message) and AGE.
  -n, --namespace <ns>  namespace (default: the kubeconfig's, else default)
  -A, --all-namespaces  every namespace
  --kubeconfig <file>   default: $KUBECONFIG or ~/.kube/config
Exit codes: 0 listed (whatever the estates' state; \`interlace status\` exits 1 when one is not Ready),
2 the tool or the cluster failed (an unknown name too).`;

/** `interlace get [estates] [name]`. */
export async function runGet(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A', default: false },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(GET_HELP + '\n');
    return EXIT_CLEAN;
  }
  const [what = 'estates', name, ...extra] = positionals;
  if (!['estates', 'estate', 'es'].includes(what))
    throw new UsageError(`interlace get lists estates; "${what}" is not a kind it knows (try: interlace get estates)`);
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const rest = KubeRest.fromKubeconfig(values.kubeconfig);
  const namespace = commandNamespace(rest, values.namespace, values['all-namespaces']);
  let estates: LiveObject[];
  try {
    estates = await rest.list(ESTATE_API_VERSION, ESTATE_KIND, namespace);
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(
      `listing Estates: ${message}${/404/.test(message) ? ' (are the Interlace CRDs installed? helm install interlace charts/interlace)' : ''}`,
    );
  }
  if (name !== undefined) {
    estates = estates.filter((e) => e.metadata.name === name);
    if (estates.length === 0) throw new Error(`Estate "${name}" not found in namespace "${namespace ?? 'any'}"`);
  }
  context.stdout(renderEstates(estates, namespace === undefined, new Date()));
  return EXIT_CLEAN;
}

/** The table of `interlace get estates`, pure (tested on its own and against a real API server). */
export function renderEstates(estates: readonly LiveObject[], withNamespace: boolean, now: Date): string {
  if (estates.length === 0) return 'No estates found.\n';
  const sorted = [...estates].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1,
  );
  const rows = sorted.map((e) => {
    const status = (e.status ?? {}) as { lastAppliedRevision?: string; message?: string };
    const ready = conditionOf(e, 'Ready');
    const suspended = (e as LiveObject & { spec?: { suspend?: boolean } }).spec?.suspend === true;
    return [
      ...(withNamespace ? [e.metadata.namespace ?? ''] : []),
      e.metadata.name,
      status.lastAppliedRevision ?? '',
      suspended ? 'True' : 'False',
      ready?.status ?? 'Unknown',
      oneLine(ready?.message ?? status.message),
      age(e.metadata.creationTimestamp, now),
    ];
  });
  // MESSAGE is last in flux's table; AGE is moved before it here, so a long message never pushes it off.
  const header = [...(withNamespace ? ['NAMESPACE'] : []), 'NAME', 'REVISION', 'SUSPENDED', 'READY', 'AGE', 'MESSAGE'];
  return renderTable(
    header,
    rows.map((r) => [...r.slice(0, -2), r.at(-1)!, r.at(-2)!]),
  );
}

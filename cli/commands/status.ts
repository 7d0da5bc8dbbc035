import { parseArgs } from 'node:util';
import { KubeRest } from '../../controller/apply/index.ts';
import type { LiveObject } from '../../controller/apply/index.ts';
import { API_VERSION, KIND_NAMES } from '../../language/kinds/registry.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS } from '../exit-codes.ts';

export const STATUS_HELP = `Usage: interlace status [options]

Prints the estates and every Interlace object in a namespace as tables, from the same status fields
\`kubectl get interlace\` shows: READY and SYNCED (conditions), HEALTH, REVISION, and the message.
  --namespace <ns>     namespace (default: the kubeconfig's, else default)
  -A, --all-namespaces every namespace
  --kubeconfig <file>  default: $KUBECONFIG or ~/.kube/config
Exit codes: 0 everything Ready, 1 something is not Ready, 2 the tool or the cluster failed.`;

export async function runStatus(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A', default: false },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(STATUS_HELP + '\n');
    return EXIT_CLEAN;
  }
  const rest = KubeRest.fromKubeconfig(values.kubeconfig);
  const namespace = values['all-namespaces']
    ? undefined
    : (values.namespace ?? (rest.kubeConfig.getContextObject(rest.kubeConfig.getCurrentContext())?.namespace || 'default'));
  const list = (kind: string) =>
    rest.list(API_VERSION, kind, namespace).catch((error) => {
      throw new Error(
        `listing ${kind}: ${(error as Error).message}${/404/.test((error as Error).message) ? ' (are the Interlace CRDs installed? helm install interlace charts/interlace)' : ''}`,
      );
    });
  const estates = await list('Estate');
  const objects = (await Promise.all(KIND_NAMES.map(list))).flat();
  const { text, allReady } = renderStatus(estates, objects, namespace === undefined);
  context.stdout(text);
  return allReady ? EXIT_CLEAN : EXIT_FINDINGS;
}

const condition = (o: LiveObject, type: string) =>
  ((o.status?.conditions ?? []) as { type: string; status: string; message?: string }[]).find((c) => c.type === type);

/** Two tables: estates (with their counts), then spec objects. Pure, so the columns are tested against kubectl's. */
export function renderStatus(
  estates: readonly LiveObject[],
  objects: readonly LiveObject[],
  withNamespace: boolean,
): { text: string; allReady: boolean } {
  const ns = (o: LiveObject) => (withNamespace ? [o.metadata.namespace ?? ''] : []);
  const estateRows = estates.map((e) => {
    const s = (e.status ?? {}) as {
      health?: string;
      lastAppliedRevision?: string;
      counts?: { specs?: number; units?: number; ready?: number; degraded?: number; progressing?: number };
      message?: string;
    };
    const counts = s.counts ? `${s.counts.ready ?? 0}/${s.counts.specs ?? 0} ready, ${s.counts.degraded ?? 0} degraded` : '';
    return [
      ...ns(e),
      `estate/${e.metadata.name}`,
      condition(e, 'Ready')?.status ?? 'Unknown',
      s.health ?? '',
      s.lastAppliedRevision ?? '',
      counts,
      condition(e, 'Ready')?.message ?? s.message ?? '',
    ];
  });
  const objectRows = [...objects]
    .sort((a, b) => (a.kind + a.metadata.name < b.kind + b.metadata.name ? -1 : 1))
    .map((o) => {
      const s = (o.status ?? {}) as { health?: string; lastAppliedRevision?: string; message?: string };
      return [
        ...ns(o),
        `${o.kind.toLowerCase()}/${o.metadata.name}`,
        condition(o, 'Ready')?.status ?? 'Unknown',
        condition(o, 'Synced')?.status ?? 'Unknown',
        s.health ?? '',
        s.lastAppliedRevision ?? '',
        s.message ?? '',
      ];
    });
  const head = withNamespace ? ['NAMESPACE'] : [];
  const text = [
    table([...head, 'ESTATE', 'READY', 'HEALTH', 'REVISION', 'OBJECTS', 'MESSAGE'], estateRows),
    table([...head, 'NAME', 'READY', 'SYNCED', 'HEALTH', 'REVISION', 'MESSAGE'], objectRows),
  ].join('\n');
  const allReady = [...estates, ...objects].every((o) => condition(o, 'Ready')?.status === 'True');
  return { text, allReady };
}

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return `No ${header.includes('ESTATE') ? 'estates' : 'Interlace objects'} found.\n`;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

import { parseArgs } from 'node:util';
import { KubeRest } from '../../controller/apply/index.ts';
import type { LiveObject } from '../../controller/apply/index.ts';
import { ESTATE_API_VERSION, ESTATE_KIND } from '../../controller/reconcile/estate-types.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, UsageError } from '../exit-codes.ts';
import { age, commandNamespace, oneLine, renderTable } from '../kube-views.ts';

export const EVENTS_HELP = `Usage: interlace events <estate> [options]

The Kubernetes Events of an Estate and of the objects it applied (its inventory, and the ReplicaSets
and Pods of its Deployments), oldest first, as \`flux events\` prints them: LAST SEEN, TYPE, REASON,
OBJECT, MESSAGE. The controller records an Event when a state changes: a revision applied or rejected,
a gate or apply failure, objects pruned, health changing, suspension.
  -n, --namespace <ns>  namespace of the Estate (default: the kubeconfig's, else default)
  --kubeconfig <file>   default: $KUBECONFIG or ~/.kube/config
Exit codes: 0 printed, 2 the tool or the cluster failed (an unknown Estate too).`;

interface EventObject extends LiveObject {
  eventTime?: string | null;
  deprecatedLastTimestamp?: string | null;
  deprecatedFirstTimestamp?: string | null;
  series?: { lastObservedTime?: string; count?: number };
  type?: string;
  reason?: string;
  note?: string;
  regarding?: { kind?: string; name?: string; namespace?: string };
}

/** `interlace events <estate>`. */
export async function runEvents(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(EVENTS_HELP + '\n');
    return EXIT_CLEAN;
  }
  if (positionals.length !== 1) throw new UsageError('interlace events takes one Estate name (interlace events <estate> [-n ns])');
  const name = positionals[0]!;
  const rest = KubeRest.fromKubeconfig(values.kubeconfig);
  const namespace = commandNamespace(rest, values.namespace)!;
  const estate = await rest.getOrUndefined({ apiVersion: ESTATE_API_VERSION, kind: ESTATE_KIND, namespace, name });
  if (!estate) throw new Error(`Estate "${name}" not found in namespace "${namespace}"`);
  const owned = ownedObjects(estate);
  const namespaces = new Set([namespace, ...owned.map((o) => o.namespace)]);
  const events: EventObject[] = [];
  for (const ns of namespaces) events.push(...((await rest.list('events.k8s.io/v1', 'Event', ns)) as EventObject[]));
  const mine = events.filter((e) => concerns(e, namespace, name, owned));
  context.stdout(renderEvents(mine, new Date()));
  return EXIT_CLEAN;
}

interface Owned {
  kind: string;
  name: string;
  namespace: string;
}

/** The inventory of the Estate (status.inventory.entries), in the namespaces it names. */
function ownedObjects(estate: LiveObject): Owned[] {
  const entries = ((estate.status?.inventory as { entries?: { kind: string; name: string; namespace?: string }[] } | undefined)?.entries ??
    []) as { kind: string; name: string; namespace?: string }[];
  return entries.map((e) => ({ kind: e.kind, name: e.name, namespace: e.namespace ?? estate.metadata.namespace ?? 'default' }));
}

/**
 * Whether an Event regards the Estate, an object of its inventory, or a ReplicaSet or Pod of one of
 * its Deployments (named `<deployment>-<hash>` and `<deployment>-<hash>-<suffix>` by the Deployment
 * controller; pods carry the unit label, not the Estate's, so the name is what ties them).
 */
function concerns(event: EventObject, namespace: string, name: string, owned: readonly Owned[]): boolean {
  const kind = event.regarding?.kind;
  const regarding = event.regarding?.name;
  if (!regarding || !kind) return false;
  const ns = event.regarding?.namespace ?? event.metadata.namespace;
  if (kind === ESTATE_KIND && regarding === name && ns === namespace) return true;
  return owned.some((o) => {
    if (o.namespace !== ns) return false;
    if (o.kind === kind && o.name === regarding) return true;
    if (o.kind !== 'Deployment') return false;
    const suffix = regarding.startsWith(`${o.name}-`) ? regarding.slice(o.name.length + 1) : undefined;
    if (suffix === undefined) return false;
    if (kind === 'ReplicaSet') return /^[a-z0-9]+$/.test(suffix);
    if (kind === 'Pod') return /^[a-z0-9]+-[a-z0-9]+$/.test(suffix);
    return false;
  });
}

/** When an Event was last seen: its series, its event time, or the core/v1 timestamps it was created with. */
function lastSeen(event: EventObject): string {
  return (
    event.series?.lastObservedTime ??
    event.eventTime ??
    event.deprecatedLastTimestamp ??
    event.deprecatedFirstTimestamp ??
    event.metadata.creationTimestamp ??
    ''
  );
}

/** The table of `interlace events`, oldest first; pure. */
export function renderEvents(events: readonly EventObject[], now: Date): string {
  if (events.length === 0) return 'No events found.\n';
  const sorted = [...events].sort((a, b) => Date.parse(lastSeen(a)) - Date.parse(lastSeen(b)));
  const rows = sorted.map((e) => {
    const count = e.series?.count ?? 0;
    return [
      `${age(lastSeen(e), now)}${count > 1 ? ` (x${count})` : ''}`,
      e.type ?? '',
      e.reason ?? '',
      `${e.regarding?.kind ?? ''}/${e.regarding?.name ?? ''}`,
      oneLine(e.note),
    ];
  });
  return renderTable(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], rows);
}

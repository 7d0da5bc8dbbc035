/**
 * `interlace plan` against a live cluster: every planned object is server-side applied with
 * `dryRun=All` under the controller's field manager, and what the API server would store is compared
 * with what it stores now. Defaulting, admission and field ownership are the API server's own, so
 * the diff is what the controller would really change — and nothing it would not.
 *
 * The one I/O module of the plan stage (the reconcile loop has its own applier in controller/apply).
 */
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { diffObjects } from '../diff.ts';
import {
  ANNOTATION_CONTENT_HASH,
  ANNOTATION_REVISION,
  FIELD_MANAGER,
  LABEL_ESTATE,
  LABEL_ESTATE_NAMESPACE,
  LABEL_MANAGED_BY,
  MANAGED_BY,
} from '../labels.ts';
import { objectKey, refOf } from '../object-key.ts';
import { bindOwnerUids, OWNER_UID_PLACEHOLDER } from '../owners.ts';
import type { KubeObject, Plan, PlannedObject } from '../types.ts';
import { KIND_NAMES } from '../../../language/kinds/registry.ts';
import { API_VERSION } from '../../../language/kinds/registry.ts';

export interface LiveDiffInput {
  kubeconfig?: string;
  estate: { name: string; namespace: string };
  /** Plans again with what the live objects say was applied before (keeps unchanged objects' revisions). */
  replan: (previous: ReadonlyMap<string, { contentHash: string; revision: string }> | undefined) => Plan;
  /** A ready client (tests); otherwise one is made from the kubeconfig. */
  client?: KubernetesObjectApi;
}

export type Change =
  | { action: 'create' | 'update' | 'unchanged' | 'delete'; key: string; fields?: string[] }
  | { action: 'error'; key: string; message: string };

export interface LiveDiffResult {
  changes: number;
  report: Change[];
  text: string;
}

export async function diffAgainstCluster(input: LiveDiffInput): Promise<LiveDiffResult> {
  let client = input.client;
  if (!client) {
    const kc = new KubeConfig();
    if (input.kubeconfig) kc.loadFromFile(input.kubeconfig);
    else kc.loadFromDefault();
    client = KubernetesObjectApi.makeApiClient(kc);
  }
  const first = input.replan(undefined);
  const live = new Map<string, KubernetesObject | undefined>();
  for (const p of first.objects) live.set(p.key, await readOrUndefined(client, p));
  const previous = new Map<string, { contentHash: string; revision: string }>();
  for (const [key, object] of live) {
    const hash = object?.metadata?.annotations?.[ANNOTATION_CONTENT_HASH];
    const revision = object?.metadata?.annotations?.[ANNOTATION_REVISION];
    if (hash && revision) previous.set(key, { contentHash: hash, revision });
  }
  const plan = input.replan(previous);

  const report: Change[] = [];
  const uids = new Map<string, string>();
  const plannedKinds = new Set(
    plan.objects
      .filter((p) => p.ref.kind === 'CustomResourceDefinition' && !live.get(p.key))
      .map((p) => (p.object.spec as { names: { kind: string } }).names.kind),
  );
  const newNamespaces = new Set(plan.objects.filter((p) => p.ref.kind === 'Namespace' && !live.get(p.key)).map((p) => p.ref.name));
  for (const p of plan.objects) {
    const current = live.get(p.key);
    if (current?.metadata?.uid) uids.set(p.key, current.metadata.uid);
    // What cannot be dry-run before stage 1 exists: a custom resource of a CRD not installed yet, anything in a new namespace.
    if (!current && (plannedKinds.has(p.ref.kind) || (p.ref.namespace && newNamespaces.has(p.ref.namespace)))) {
      report.push({ action: 'create', key: p.key });
      continue;
    }
    const object = p.owner ? bindOwnerUids(p, (owner) => uids.get(objectKey(owner)) ?? OWNER_UID_PLACEHOLDER) : p.object;
    let result: KubernetesObject;
    try {
      result = await client.patch(object as KubernetesObject, undefined, 'All', FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      report.push({ action: 'error', key: p.key, message: messageOf(error) });
      continue;
    }
    if (result.metadata?.uid && !uids.has(p.key)) uids.set(p.key, result.metadata.uid);
    if (!current) {
      report.push({ action: 'create', key: p.key });
      continue;
    }
    const after = normalize(result);
    const before = normalize(current);
    const fields = [...new Set([...diffObjects(after, before), ...diffObjects(before, after)].map((d) => d.path))].sort();
    report.push(fields.length > 0 ? { action: 'update', key: p.key, fields } : { action: 'unchanged', key: p.key });
  }

  // What pruning would delete: objects this estate labelled that the plan no longer has.
  const planned = new Set(plan.objects.map((p) => p.key));
  const namespaces = [...new Set(plan.objects.map((p) => p.ref.namespace).filter((n): n is string => n !== undefined))].sort();
  const selector = `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_ESTATE}=${input.estate.name},${LABEL_ESTATE_NAMESPACE}=${input.estate.namespace}`;
  const kinds: [string, string][] = [
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
    ['apps/v1', 'Deployment'],
    ...KIND_NAMES.map((k): [string, string] => [API_VERSION, k]),
  ];
  for (const namespace of namespaces) {
    if (newNamespaces.has(namespace)) continue;
    for (const [apiVersion, kind] of kinds) {
      if (plannedKinds.has(kind)) continue;
      const list = await client
        .list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, selector)
        .catch(() => undefined);
      for (const item of list?.items ?? []) {
        const key = objectKey(refOf({ apiVersion, kind, metadata: { name: item.metadata!.name!, namespace } }));
        if (!planned.has(key)) report.push({ action: 'delete', key });
      }
    }
  }
  const changes = report.filter((c) => c.action !== 'unchanged').length;
  return { changes, report, text: renderReport(report) };
}

async function readOrUndefined(client: KubernetesObjectApi, p: PlannedObject): Promise<KubernetesObject | undefined> {
  try {
    return await client.read({
      apiVersion: p.ref.apiVersion,
      kind: p.ref.kind,
      metadata: { name: p.ref.name, ...(p.ref.namespace ? { namespace: p.ref.namespace } : {}) },
    });
  } catch (error) {
    const code = (error as { code?: number }).code;
    // 404: no such object, or no such kind yet (its CRD is planned in stage 1).
    if (code === 404 || /not found|unable to find api/i.test(messageOf(error))) return undefined;
    throw error;
  }
}

/** What the API server changes on every write or keeps for itself: not part of a difference. */
function normalize(object: KubernetesObject): KubeObject {
  const copy = structuredClone(object) as KubeObject & { status?: unknown };
  delete copy.status;
  for (const field of ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid']) delete copy.metadata[field];
  return copy;
}

function messageOf(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (error as Error).message ?? String(error);
}

const SIGN: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', unchanged: '=', error: '!' };

function renderReport(report: Change[]): string {
  const lines: string[] = [];
  for (const change of report) {
    if (change.action === 'unchanged') continue;
    lines.push(`${SIGN[change.action]} ${change.action.padEnd(6)} ${change.key}`);
    if (change.action === 'update') for (const field of change.fields ?? []) lines.push(`      ${field}`);
    if (change.action === 'error') lines.push(`      ${change.message}`);
  }
  const count = (action: Change['action']) => report.filter((c) => c.action === action).length;
  lines.push(
    `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete (prune), ${count('unchanged')} unchanged${count('error') ? `, ${count('error')} the API server would refuse` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * What the cluster-reading commands (`get`, `events`, `reconcile`) share: the namespace a command
 * means, kubectl-style ages and plain column tables.
 */
import type { KubeRest, LiveObject } from '../controller/apply/index.ts';

/** `-A` → every namespace (undefined); else `--namespace`, the kubeconfig context's namespace, or `default`. */
export function commandNamespace(rest: KubeRest, namespace: string | undefined, allNamespaces = false): string | undefined {
  if (allNamespaces) return undefined;
  return namespace ?? (rest.kubeConfig.getContextObject(rest.kubeConfig.getCurrentContext())?.namespace || 'default');
}

/** kubectl's short age: `45s`, `12m`, `5h`, `3d` (the largest unit, rounded down). Empty when unknown. */
export function age(since: string | undefined, now: Date): string {
  if (!since) return '';
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000));
  if (Number.isNaN(seconds)) return '';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 2 * 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 2 * 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** Columns padded to their widest cell, three spaces apart; the last column is not padded. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export interface ConditionView {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** One condition of an object's status, or undefined. */
export function conditionOf(object: LiveObject, type: string): ConditionView | undefined {
  return ((object.status?.conditions ?? []) as ConditionView[]).find((c) => c.type === type);
}

/** The first line of a message, for a table cell. */
export function oneLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0] ?? '';
}

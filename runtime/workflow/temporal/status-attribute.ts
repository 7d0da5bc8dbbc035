/**
 * The `InterlaceStatus` search attribute (names.ts `STATUS_ATTRIBUTE`) on a namespace: whether it is
 * there, and registering it (Keyword) through the operator service when it is not. The engine registers it
 * at start-up and, only when it is there, asks its executions to upsert their business outcome
 * (names.ts `WorkflowArgs.statusAttribute`); the execution counter asks whether it is there before it
 * counts `InterlaceStatus = 'failed'` (a query on an attribute the namespace lacks is an error).
 *
 * Where the client may not register attributes (Temporal Cloud registers them in its own console or API,
 * not through an API key's operator service), registration fails quietly: executions then upsert nothing
 * and the FAILED column counts only what Temporal itself closed as failed, as before — docs/workflows.md
 * says how to add the attribute by hand.
 */
import type { Connection } from '@temporalio/client';
import type { CallPolicy } from './connection.ts';
import { STATUS_ATTRIBUTE } from './names.ts';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (@temporalio/proto is not a dependency of ours). */
const KEYWORD = 2;

/** Whether the namespace has the attribute, as a Keyword. */
export async function hasStatusAttribute(connection: Connection, calls: CallPolicy, namespace: string): Promise<boolean> {
  const response = await calls.run(`list the search attributes of ${namespace}`, () =>
    connection.operatorService.listSearchAttributes({ namespace }),
  );
  return Number(response.customAttributes?.[STATUS_ATTRIBUTE]) === KEYWORD;
}

/** Registers the attribute when the namespace lacks it; true when it is there afterwards, false when it cannot be. */
export async function ensureStatusAttribute(connection: Connection, calls: CallPolicy, namespace: string): Promise<boolean> {
  try {
    if (await hasStatusAttribute(connection, calls, namespace)) return true;
    await calls.run(`register the search attribute ${STATUS_ATTRIBUTE} on ${namespace}`, () =>
      connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { [STATUS_ATTRIBUTE]: KEYWORD } }),
    );
    return true;
  } catch {
    // Another worker registered it at the same moment: it is there.
    if (await hasStatusAttribute(connection, calls, namespace).catch(() => false)) return true;
    return false;
  }
}

/**
 * Counting executions in a Temporal namespace's visibility (`CountWorkflowExecutions` with a list-filter
 * query): what the controller writes into the Workflow objects' status. Here because only this folder
 * imports the SDK (decision 0014); the controller imports this module dynamically.
 */
import { CallPolicy, openConnection } from './connection.ts';
import type { TemporalConnectionOptions } from './connection.ts';
import { hasStatusAttribute } from './status-attribute.ts';

const CALL_DEADLINE_MS = 4_000;

export interface ExecutionCounter {
  count(query: string): Promise<number>;
  /**
   * Whether the namespace has the `InterlaceStatus` search attribute (names.ts `STATUS_ATTRIBUTE`), so a
   * query may use it. Asked again until it is there: a worker registers it when it starts, which may be
   * after the controller connected.
   */
  hasStatusAttribute(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openExecutionCounter(options: TemporalConnectionOptions): Promise<ExecutionCounter> {
  const connection = await openConnection(options, 3_000);
  // One attempt with a deadline: the controller gives up after 5 s and asks again at the next reconcile, so
  // no call (and no SDK retry timer, connection.ts) is left in flight behind it.
  const calls = new CallPolicy(connection, options.address, { deadlineMs: CALL_DEADLINE_MS, attempts: 1 });
  let statusAttribute = false;
  return {
    async count(query) {
      const response = await calls.run('count executions', () =>
        connection.workflowService.countWorkflowExecutions({ namespace: options.namespace, query }),
      );
      return Number(response.count ?? 0);
    },
    async hasStatusAttribute() {
      statusAttribute ||= await hasStatusAttribute(connection, calls, options.namespace);
      return statusAttribute;
    },
    close: () => calls.close(),
  };
}

/**
 * Counting executions in a Temporal namespace's visibility (`CountWorkflowExecutions` with a list-filter
 * query): what the controller writes into the Workflow objects' status. Here because only this folder
 * imports the SDK (decision 0014); the controller imports this module dynamically.
 */
import { Connection } from '@temporalio/client';
import type { TemporalConnectionOptions } from './temporal-engine.ts';

const CALL_DEADLINE_MS = 4_000;

export interface ExecutionCounter {
  count(query: string): Promise<number>;
  close(): Promise<void>;
}

export async function openExecutionCounter(options: TemporalConnectionOptions): Promise<ExecutionCounter> {
  const tls = options.tls
    ? {
        clientCertPair: { crt: options.tls.cert, key: options.tls.key },
        ...(options.tls.ca ? { serverRootCACertificate: options.tls.ca } : {}),
      }
    : options.apiKey
      ? true
      : undefined;
  const connection = await Connection.connect({
    address: options.address,
    connectTimeout: 3_000,
    // No SDK retry: its retry timer outlives the call (the controller gives up after 5 s and asks again
    // at the next reconcile) and, once the connection is closed, throws "Channel has been shut down"
    // from a timer — an uncaught exception that takes the controller down (seen in the cluster tier
    // when the test killed the Temporal server, then stopped the controller).
    interceptors: [],
    ...(tls !== undefined ? { tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  return {
    async count(query) {
      // A deadline too, so no call is left in flight behind the controller's own 5 s race.
      const response = await connection.withDeadline(Date.now() + CALL_DEADLINE_MS, () =>
        connection.workflowService.countWorkflowExecutions({ namespace: options.namespace, query }),
      );
      return Number(response.count ?? 0);
    },
    close: () => connection.close(),
  };
}

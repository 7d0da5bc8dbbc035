/**
 * Counting executions in a Temporal namespace's visibility (`CountWorkflowExecutions` with a list-filter
 * query): what the controller writes into the Workflow objects' status. Here because only this folder
 * imports the SDK (decision 0014); the controller imports this module dynamically.
 */
import { Connection } from '@temporalio/client';
import type { TemporalConnectionOptions } from './temporal-engine.ts';

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
    ...(tls !== undefined ? { tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  return {
    async count(query) {
      const response = await connection.workflowService.countWorkflowExecutions({ namespace: options.namespace, query });
      return Number(response.count ?? 0);
    },
    close: () => connection.close(),
  };
}

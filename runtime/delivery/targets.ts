import type { Backbone, Message } from '../backbone/backbone.ts';
import { fillOperationPath, parseHttpOperation } from '../http/system-client.ts';
import type { SystemClient } from '../http/system-client.ts';
import { ContractViolation } from './failures.ts';

/** One attempt's input: the mapped payload and the headers that travel with it. */
export interface TargetCall {
  payload: unknown;
  /** `traceparent`, `idempotency-key`, and the route/target names. */
  headers: Record<string, string>;
  orderingKey: string | undefined;
  idempotencyKey: string;
  timeoutMs: number;
  signal: AbortSignal;
  /**
   * The source message and its business keys: a target that learns of a failure after the delivery
   * (an X12 partner's 997 that never comes) dead-letters it later with these.
   */
  source?: Message;
  businessKeys?: Record<string, string>;
}

/**
 * Where a route target delivers. `send` makes one attempt and throws on failure (HttpStatusError,
 * AttemptTimeout, ContractViolation, network errors); it never retries.
 */
export interface DeliveryTarget {
  readonly description: string;
  /** The System whose budgets (circuit, concurrency, rate) guard this target; undefined for topics. */
  readonly system: string | undefined;
  /** Called once before the first delivery (a topic target creates its topic). */
  prepare?(): Promise<void>;
  send(call: TargetCall): Promise<void>;
}

/**
 * An HTTP System target: `operation` is `METHOD /path/{field}`; placeholders come from the mapped
 * payload, then from System parameters (environment `<SYSTEM>_PARAM_<NAME>`, e.g. `companyId`). The
 * idempotency key goes out as `Idempotency-Key`, so a target that honours it closes the last window
 * (a crash after the target acknowledged and before the commit).
 */
export function httpSystemTarget(
  client: SystemClient,
  operation: string | undefined,
  parameter: (name: string) => string | undefined,
): DeliveryTarget {
  const parsed = parseHttpOperation(operation) ?? { method: 'POST', path: operation ? `/${operation.replace(/^\/+/, '')}` : '/' };
  return {
    description: `${client.system} ${parsed.method} ${parsed.path}`,
    system: client.system,
    async send(call) {
      const filled = fillOperationPath(parsed.path, call.payload, parameter);
      if (!filled.ok)
        throw new ContractViolation(
          `the payload has no value for {${filled.missing}} of ${parsed.method} ${parsed.path}, and no System parameter supplies one`,
        );
      await client.call({
        method: parsed.method,
        path: filled.path,
        body: call.payload,
        headers: { ...call.headers, 'idempotency-key': call.idempotencyKey },
        timeoutMs: call.timeoutMs,
        signal: call.signal,
      });
    },
  };
}

/**
 * A topic target (another route consumes it; also a `nats` System's subject). The idempotency key is
 * the message id, so the backbone's publish de-duplication makes a repeated publish one message.
 */
export function topicTarget(backbone: Backbone, topic: string): DeliveryTarget {
  return {
    description: `topic ${topic}`,
    system: undefined,
    prepare: () => backbone.ensureTopic(topic),
    async send(call) {
      await backbone.publish(topic, Buffer.from(JSON.stringify(call.payload)), {
        ...(call.orderingKey !== undefined ? { key: call.orderingKey } : {}),
        messageId: call.idempotencyKey,
        headers: call.headers,
      });
    },
  };
}

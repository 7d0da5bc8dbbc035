/**
 * The `ActivityRunner` of both engines, made of the delivery code: a `call` goes through the System's
 * HTTP client (runtime/http/system-client.ts: base URL, credentials, per-attempt timeout) inside the
 * System's budgets (runtime/delivery/system-budget.ts: circuit breaker, concurrency, rate), exactly as
 * a route target's delivery and a mapping's enrichment call it; a `publish` goes to the Backbone with
 * the step's idempotency key as message id, so a repeated publish is one message.
 *
 * One attempt per `run`: retries belong to the engine. Failures come out as `ActivityFailure`, classified
 * once by runtime/delivery/failures.ts (a 4xx or a contract violation is permanent, a 5xx or a
 * timeout transient).
 */
import { isBrokenCircuitError } from 'cockatiel';
import type { Backbone } from '../../backbone/backbone.ts';
import { classifyFailure } from '../../delivery/failures.ts';
import type { SystemBudgets } from '../../delivery/system-budget.ts';
import { fillOperationPath, parseHttpOperation } from '../../http/system-client.ts';
import type { SystemClient } from '../../http/system-client.ts';
import { ActivityFailure } from '../context.ts';
import type { ActivityRequest, ActivityRunner, CallActivity, PublishActivity } from '../context.ts';

export interface DeliveryActivityOptions {
  /** The client of a System by name (undefined: the estate has no such System). */
  client(system: string): SystemClient | undefined;
  budgets: SystemBudgets;
  backbone: Backbone;
  /** System parameters for path placeholders the request has no value for (`<SYSTEM>_PARAM_<NAME>`). */
  parameter?(system: string, name: string): string | undefined;
}

/** Headers every workflow call and event carries, so the receiving side can tell which step sent it. */
const WORKFLOW_HEADER = 'interlace-workflow-step';

export function deliveryActivityRunner(options: DeliveryActivityOptions): ActivityRunner {
  const ensured = new Set<string>();

  async function call(request: CallActivity, signal: AbortSignal): Promise<unknown> {
    const client = options.client(request.system);
    if (!client) throw new ActivityFailure(`no System ${request.system} to call ${request.operation}`, 'unknown-system', false);
    const operation = parseHttpOperation(request.operation);
    if (!operation)
      throw new ActivityFailure(`${request.system} ${request.operation} is not an HTTP operation (METHOD /path)`, 'bad-operation', false);
    const filled = fillOperationPath(operation.path, request.request, (name) => options.parameter?.(request.system, name));
    if (!filled.ok)
      throw new ActivityFailure(
        `the request has no value for {${filled.missing}} of ${operation.method} ${operation.path}, and no System parameter supplies one`,
        'contract-violation',
        false,
      );
    const budget = options.budgets.get(request.system);
    for (;;) {
      // An open circuit is no answer: wait for its trial, as deliveries and enrichments do.
      await budget.untilCallable(signal);
      try {
        const response = await budget.execute(
          (s) =>
            client.call({
              method: operation.method,
              path: filled.path,
              body: request.request,
              headers: { 'idempotency-key': request.idempotencyKey, [WORKFLOW_HEADER]: request.idempotencyKey },
              timeoutMs: request.timeoutMs,
              signal: s,
            }),
          signal,
        );
        let body: unknown;
        try {
          body = response.json();
        } catch {
          return response.text;
        }
        return client.format === 'odata-v2' ? withoutODataV2Envelope(body) : body;
      } catch (error) {
        if (isBrokenCircuitError(error)) continue;
        throw error;
      }
    }
  }

  async function publish(request: PublishActivity): Promise<unknown> {
    if (!ensured.has(request.topic)) {
      await options.backbone.ensureTopic(request.topic);
      ensured.add(request.topic);
    }
    const result = await options.backbone.publish(request.topic, Buffer.from(JSON.stringify(request.event)), {
      key: request.key,
      messageId: request.messageId,
      headers: { [WORKFLOW_HEADER]: request.idempotencyKey },
    });
    return { sequence: result.sequence, duplicate: result.duplicate };
  }

  return {
    async run(request: ActivityRequest, signal: AbortSignal): Promise<unknown> {
      try {
        return request.kind === 'call' ? await call(request, signal) : await publish(request);
      } catch (error) {
        if (error instanceof ActivityFailure) throw error;
        const failure = classifyFailure(error);
        throw new ActivityFailure(failure.message, failure.reason, failure.kind === 'transient');
      }
    },
  };
}

/**
 * An OData V2 service wraps every answer in `d` — an entity as `{d: {...}}`, a collection as
 * `{d: {results: [...]}}` — so a workflow's `response` contract describes the entity (or the list), as
 * SAP's metadata does, not the envelope. Anything else is returned as it came.
 */
export function withoutODataV2Envelope(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'd') return body;
  const d = (body as { d: unknown }).d;
  if (d !== null && typeof d === 'object' && !Array.isArray(d) && Array.isArray((d as { results?: unknown }).results)) {
    const { results, ...rest } = d as { results: unknown[] };
    // A collection carries `__next`/`__count` beside `results`; the rows are what a step reads.
    return Object.keys(rest).every((k) => k.startsWith('__')) ? results : d;
  }
  return d;
}

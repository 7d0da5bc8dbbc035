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
 *
 * Each run is one span (`workflow <name>@<major> <step>`: a call `client`, a publish `producer`), a child
 * of the execution's trace (context.ts `ExecutionTrace`), with the workflow, execution and step and the
 * trigger's business keys; its `traceparent` goes to the System as a header and onto the published
 * message, as a route delivery's does. Engines run an activity only when no outcome is recorded, so a
 * replay makes no span.
 */
import { isBrokenCircuitError } from 'cockatiel';
import type { Backbone } from '../../backbone/backbone.ts';
import { classifyFailure } from '../../delivery/failures.ts';
import type { SystemBudgets } from '../../delivery/system-budget.ts';
import { fillOperationPath, parseHttpOperation } from '../../http/system-client.ts';
import type { SystemClient } from '../../http/system-client.ts';
import { businessKeyAttributes } from '../../observe/business-keys.ts';
import type { ContractBusinessKeys } from '../../observe/business-keys.ts';
import { formatTraceparent, parseTraceparent } from '../../observe/trace.ts';
import type { Span, Tracer } from '../../observe/trace.ts';
import { ActivityFailure } from '../context.ts';
import type { ActivityOrigin, ActivityRequest, ActivityRunner, CallActivity, PublishActivity } from '../context.ts';

export interface DeliveryActivityOptions {
  /** The client of a System by name (undefined: the estate has no such System). */
  client(system: string): SystemClient | undefined;
  budgets: SystemBudgets;
  backbone: Backbone;
  /** System parameters for path placeholders the request has no value for (`<SYSTEM>_PARAM_<NAME>`). */
  parameter?(system: string, name: string): string | undefined;
  tracer: Tracer;
  /** The business keys of a published event by its contract (absent: only the trigger's go on its span). */
  businessKeys?: ContractBusinessKeys;
}

/** Headers every workflow call and event carries, so the receiving side can tell which step sent it. */
const WORKFLOW_HEADER = 'interlace-workflow-step';

export function deliveryActivityRunner(options: DeliveryActivityOptions): ActivityRunner {
  const ensured = new Set<string>();

  async function call(request: CallActivity, signal: AbortSignal, span: Span): Promise<unknown> {
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
              headers: {
                'idempotency-key': request.idempotencyKey,
                [WORKFLOW_HEADER]: request.idempotencyKey,
                traceparent: formatTraceparent(span.context),
              },
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

  async function publish(request: PublishActivity, span: Span): Promise<unknown> {
    if (!ensured.has(request.topic)) {
      await options.backbone.ensureTopic(request.topic);
      ensured.add(request.topic);
    }
    const result = await options.backbone.publish(request.topic, Buffer.from(JSON.stringify(request.event)), {
      key: request.key,
      messageId: request.messageId,
      headers: { [WORKFLOW_HEADER]: request.idempotencyKey, traceparent: formatTraceparent(span.context) },
    });
    span.setAttribute('messaging.message.sequence', result.sequence);
    span.setAttribute('interlace.outcome', result.duplicate ? 'duplicate' : 'published');
    return { sequence: result.sequence, duplicate: result.duplicate };
  }

  function startSpan(request: ActivityRequest, origin: ActivityOrigin): Span {
    const parent = parseTraceparent(origin.trace?.traceparent);
    // The trigger's keys, then the published event's (by its contract), as a route delivery adds its target's.
    const keys = {
      ...origin.trace?.businessKeys,
      ...(request.kind === 'publish' ? options.businessKeys?.(request.contract, request.event) : {}),
    };
    return options.tracer.startSpan(`workflow ${origin.workflow} ${request.step ?? origin.callId}`, {
      kind: request.kind === 'call' ? 'client' : 'producer',
      ...(parent ? { parent } : {}),
      attributes: {
        'interlace.workflow': origin.workflow,
        'interlace.workflow.execution': origin.executionId,
        'interlace.workflow.step': request.step,
        'interlace.workflow.call': origin.callId,
        'interlace.workflow.attempt': origin.attempt,
        ...(request.kind === 'call'
          ? { 'interlace.system': request.system, 'interlace.operation': request.operation }
          : { 'messaging.destination': request.topic, 'messaging.message.id': request.messageId }),
        ...businessKeyAttributes(keys),
      },
    });
  }

  return {
    async run(request: ActivityRequest, signal: AbortSignal, origin: ActivityOrigin): Promise<unknown> {
      const span = startSpan(request, origin);
      try {
        if (request.kind === 'publish') return await publish(request, span);
        const answer = await call(request, signal, span);
        span.setAttribute('interlace.outcome', 'called');
        return answer;
      } catch (error) {
        const failure = asActivityFailure(error);
        span.fail(failure);
        span.setAttributes({
          'interlace.outcome': 'failed',
          'interlace.failure': failure.reason,
          'interlace.retryable': failure.retryable,
        });
        throw failure;
      } finally {
        span.end();
      }
    },
  };
}

/** A failure as the engines take it: classified once by runtime/delivery/failures.ts unless it is one already. */
function asActivityFailure(error: unknown): ActivityFailure {
  if (error instanceof ActivityFailure) return error;
  const failure = classifyFailure(error);
  return new ActivityFailure(failure.message, failure.reason, failure.kind === 'transient');
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

/**
 * Connects a workflow engine (either) to the backbone: an event on a workflow's trigger topic starts
 * it (the execution id comes from the event's business key, so a redelivered event starts nothing new),
 * and an event on a topic some `wait` step waits for becomes the signal of the execution it correlates
 * to (`WorkflowEngine.deliverEvent`). A delivery is acked once the engine has stored the start or the
 * signal, so a crash in between redelivers it; an event that is not JSON, or whose key cannot be read,
 * is termed (a retry cannot fix it) and reported through `onRejected`; an engine that cannot take a
 * readable event (Temporal away) gets it again later (nak, `onRetry`).
 *
 * Each trigger event makes a short span, `workflow <name>@<major> start` (kind consumer), a child of the
 * event's `traceparent`; the engine stores its context with the execution (`ExecutionTrace`, with the
 * trigger's business keys), and every step the execution runs is a child of it — so the trace of the
 * event goes on through the workflow, however long it runs (no span lasts as long as the execution).
 */
import type { Backbone, Delivery, Subscription } from '../backbone/backbone.ts';
import { contractProblems } from '../../language/workflow/workflow-ir.ts';
import type { WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import { businessKeyAttributes } from '../observe/business-keys.ts';
import type { ContractBusinessKeys } from '../observe/business-keys.ts';
import { formatTraceparent, parseTraceparent } from '../observe/trace.ts';
import type { Tracer } from '../observe/trace.ts';
import type { ExecutionTrace } from './context.ts';
import type { WorkflowEngine } from './engine.ts';
import { workflowKey } from './interpreter.ts';

export interface EventFeedOptions {
  /** Prefix of the durable consumer names (default `workflow`): one consumer per trigger and one per waited-for topic. */
  consumerPrefix?: string;
  onRejected?: (topic: string, problem: string) => void;
  /**
   * The engine could not take a readable event (Temporal unreachable, the store busy): the delivery is
   * nak'ed and comes again after `retryDelayMs` (default 2 s) — an outage must not lose a trigger.
   */
  onRetry?: (topic: string, problem: string) => void;
  retryDelayMs?: number;
  tracer: Tracer;
  /** The trigger's business keys by its contract (absent: none on the spans). */
  businessKeys?: ContractBusinessKeys;
}

export async function feedWorkflowEvents(
  engine: WorkflowEngine,
  backbone: Backbone,
  programs: readonly WorkflowProgram[],
  options: EventFeedOptions,
): Promise<Subscription[]> {
  const prefix = options.consumerPrefix ?? 'workflow';
  const rejected = options.onRejected ?? (() => {});
  const subscriptions: Subscription[] = [];

  const retry = options.onRetry ?? (() => {});
  const retryDelayMs = options.retryDelayMs ?? 2_000;
  /** `readable` throws for an event no retry makes readable (a trigger whose key cannot be read); `use` failing is the engine's problem. */
  const handle =
    (topic: string, readable: (event: unknown) => void, use: (event: unknown, delivery: Delivery) => Promise<unknown>) =>
    async (delivery: Delivery) => {
      let event: unknown;
      try {
        event = JSON.parse(Buffer.from(delivery.payload).toString('utf8'));
      } catch {
        rejected(topic, `message ${delivery.sequence} is not JSON`);
        await delivery.term();
        return;
      }
      const problem = (error: unknown) => `message ${delivery.sequence}: ${error instanceof Error ? error.message : String(error)}`;
      try {
        readable(event);
      } catch (error) {
        // A start whose key expression cannot read the event: no retry makes it readable.
        rejected(topic, problem(error));
        await delivery.term();
        return;
      }
      try {
        await use(event, delivery);
      } catch (error) {
        retry(topic, problem(error));
        await delivery.nak(retryDelayMs);
        return;
      }
      await delivery.ack();
    };

  for (const program of programs) {
    const { trigger, name, version } = program.ir;
    if (trigger.kind !== 'event') continue;
    const major = version.split('.')[0];
    await backbone.ensureTopic(trigger.topic);
    subscriptions.push(
      await backbone.subscribe(
        trigger.topic,
        `${prefix}-start-${name}-${major}`,
        handle(
          trigger.topic,
          (event) => {
            // An input that is not the input contract would run every step on data they were not checked for.
            const wrong = contractProblems(program, program.ir.input, event);
            if (wrong) throw new Error(`the event is ${wrong}`);
            workflowKey(program, event);
          },
          (event, delivery) => start(engine, options, `${name}@${major}`, trigger.contract, event, delivery),
        ),
      ),
    );
  }

  /** Topic → the programs waiting on it with the contract each expects (every one must accept an event). */
  const waited = new Map<string, { program: WorkflowProgram; contract: string }[]>();
  for (const program of programs)
    for (const step of Object.values(program.ir.steps))
      if (step.type === 'wait') waited.set(step.topic, [...(waited.get(step.topic) ?? []), { program, contract: step.contract }]);
  for (const [topic, waits] of [...waited].sort(([a], [b]) => a.localeCompare(b))) {
    await backbone.ensureTopic(topic);
    subscriptions.push(
      await backbone.subscribe(
        topic,
        `${prefix}-events`,
        handle(
          topic,
          (event) => {
            for (const { program, contract } of waits) {
              const wrong = contractProblems(program, contract, event);
              if (wrong) throw new Error(`the event is ${wrong}`);
            }
          },
          (event) => engine.deliverEvent(topic, event),
        ),
      ),
    );
  }
  return subscriptions;
}

/** Starts an execution for a trigger event inside its `workflow … start` span, which the execution's steps continue. */
async function start(
  engine: WorkflowEngine,
  options: EventFeedOptions,
  workflow: string,
  contract: string,
  event: unknown,
  delivery: Delivery,
): Promise<void> {
  const parent = parseTraceparent(delivery.headers['traceparent']);
  const businessKeys = options.businessKeys?.(contract, event) ?? {};
  const span = options.tracer.startSpan(`workflow ${workflow} start`, {
    kind: 'consumer',
    ...(parent ? { parent } : {}),
    attributes: {
      'interlace.workflow': workflow,
      'messaging.destination': delivery.topic,
      'messaging.message.sequence': delivery.sequence,
      'messaging.delivery_count': delivery.deliveryCount,
      ...businessKeyAttributes(businessKeys),
    },
  });
  const trace: ExecutionTrace = {
    traceparent: formatTraceparent(span.context),
    ...(Object.keys(businessKeys).length > 0 ? { businessKeys } : {}),
  };
  try {
    const result = await engine.start(workflow, event, trace);
    span.setAttributes({
      'interlace.workflow.execution': result.executionId,
      'interlace.outcome': result.started ? 'started' : 'duplicate',
    });
  } catch (error) {
    span.fail(error);
    throw error;
  } finally {
    span.end();
  }
}

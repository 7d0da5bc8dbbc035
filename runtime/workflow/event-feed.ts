/**
 * Connects a workflow engine (either) to the backbone: an event on a workflow's trigger topic starts
 * it (the execution id comes from the event's business key, so a redelivered event starts nothing new),
 * and an event on a topic some `wait` step waits for becomes the signal of the execution it correlates
 * to (`WorkflowEngine.deliverEvent`). A delivery is acked once the engine has stored the start or the
 * signal, so a crash in between redelivers it; an event that is not JSON, or whose key cannot be read,
 * is termed (a retry cannot fix it) and reported through `onRejected`.
 */
import type { Backbone, Delivery, Subscription } from '../backbone/backbone.ts';
import type { WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import type { WorkflowEngine } from './engine.ts';

export interface EventFeedOptions {
  /** Prefix of the durable consumer names (default `workflow`): one consumer per trigger and one per waited-for topic. */
  consumerPrefix?: string;
  onRejected?: (topic: string, problem: string) => void;
}

export async function feedWorkflowEvents(
  engine: WorkflowEngine,
  backbone: Backbone,
  programs: readonly WorkflowProgram[],
  options: EventFeedOptions = {},
): Promise<Subscription[]> {
  const prefix = options.consumerPrefix ?? 'workflow';
  const rejected = options.onRejected ?? (() => {});
  const subscriptions: Subscription[] = [];

  const handle = (topic: string, use: (event: unknown) => Promise<unknown>) => async (delivery: Delivery) => {
    let event: unknown;
    try {
      event = JSON.parse(Buffer.from(delivery.payload).toString('utf8'));
    } catch {
      rejected(topic, `message ${delivery.sequence} is not JSON`);
      await delivery.term();
      return;
    }
    try {
      await use(event);
    } catch (error) {
      // A start whose key expression cannot read the event: no retry makes it readable.
      rejected(topic, `message ${delivery.sequence}: ${error instanceof Error ? error.message : String(error)}`);
      await delivery.term();
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
        handle(trigger.topic, (event) => engine.start(`${name}@${major}`, event)),
      ),
    );
  }

  const waited = new Set<string>();
  for (const program of programs) for (const step of Object.values(program.ir.steps)) if (step.type === 'wait') waited.add(step.topic);
  for (const topic of [...waited].sort()) {
    await backbone.ensureTopic(topic);
    subscriptions.push(
      await backbone.subscribe(
        topic,
        `${prefix}-events`,
        handle(topic, (event) => engine.deliverEvent(topic, event)),
      ),
    );
  }
  return subscriptions;
}

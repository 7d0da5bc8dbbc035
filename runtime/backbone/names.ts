/**
 * Topic and consumer names, checked once here so both backbones accept exactly the same names.
 *
 * Topics are dot-separated words of lower-case letters, digits and hyphens (`orders.canonical`,
 * `dlq.order-fulfilment.crm`) — the same alphabet the spec checker's topic rule allows. Underscores are
 * excluded on purpose: JetStream stream names are derived by replacing `.` with `_`, which is only
 * collision-free when topics contain no `_`.
 */
import { InvalidNameError } from './errors.ts';

const TOPIC = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$/;
/** JetStream durable names may not contain `.`, `*`, `>` or whitespace; keep to a portable set. */
const CONSUMER = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const MAX_LENGTH = 200;

export function checkTopic(topic: string): string {
  if (topic.length > MAX_LENGTH || !TOPIC.test(topic)) {
    throw new InvalidNameError(
      `invalid topic "${topic}": use dot-separated words of lower-case letters, digits and hyphens (e.g. orders.canonical), at most ${MAX_LENGTH} characters`,
    );
  }
  return topic;
}

export function checkConsumer(consumer: string): string {
  if (consumer.length > MAX_LENGTH || !CONSUMER.test(consumer)) {
    throw new InvalidNameError(
      `invalid consumer name "${consumer}": use letters, digits, '-' and '_' (no dots), at most ${MAX_LENGTH} characters`,
    );
  }
  return consumer;
}

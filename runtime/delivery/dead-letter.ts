import type { Backbone, Message } from '../backbone/backbone.ts';
import type { AttemptRecord } from './idempotency-store.ts';

/**
 * Why a message was dead-lettered: `permanent` (a contract violation or a status in permanentOn —
 * retrying cannot help), `exhausted` (transient failures used up maxAttempts), `parked` (an earlier
 * message with the same key was dead-lettered on a `per-key` route; this one waits behind it so that
 * replaying the key's dead letters in order restores the order). After the delivery, an X12 target
 * reports `unacknowledged` (the partner's 997 did not come in time) and `rejected` (its 997 rejected
 * the group); the interchange was sent, so a replay is suppressed as a duplicate — these letters say
 * what to take up with the partner.
 */
export type DeadLetterKind = 'permanent' | 'exhausted' | 'parked' | 'unacknowledged' | 'rejected';

/** The JSON envelope published to a target's dead-letter topic. */
export interface DeadLetter {
  version: 1;
  route: string;
  target: string;
  system?: string;
  kind: DeadLetterKind;
  reason: string;
  message: {
    topic: string;
    sequence: number;
    key?: string;
    messageId?: string;
    publishedAt: string;
    headers: Record<string, string>;
    /** The original payload: parsed JSON when it parses, else `payloadBase64`. */
    payload?: unknown;
    payloadBase64?: string;
  };
  idempotencyKey: string;
  /** Ordering key on per-key routes. */
  orderingKey?: string;
  businessKeys: Record<string, string>;
  attempts: AttemptRecord[];
  deadLetteredAt: string;
}

/** Builds the envelope. Headers are copied as received (they carry traceparent, never credentials). */
export function deadLetterOf(
  message: Message,
  fields: Omit<DeadLetter, 'version' | 'message' | 'deadLetteredAt'>,
  now: number = Date.now(),
): DeadLetter {
  let payload: unknown;
  let payloadBase64: string | undefined;
  try {
    payload = JSON.parse(Buffer.from(message.payload).toString('utf8'));
  } catch {
    payloadBase64 = Buffer.from(message.payload).toString('base64');
  }
  return {
    version: 1,
    ...fields,
    message: {
      topic: message.topic,
      sequence: message.sequence,
      ...(message.key !== undefined ? { key: message.key } : {}),
      ...(message.messageId !== undefined ? { messageId: message.messageId } : {}),
      publishedAt: new Date(message.publishedAt).toISOString(),
      headers: { ...message.headers },
      ...(payloadBase64 === undefined ? { payload } : { payloadBase64 }),
    },
    deadLetteredAt: new Date(now).toISOString(),
  };
}

/**
 * Publishes a dead letter. Its message id is derived from the source position, so a redelivery after
 * a crash between this publish and the ack is stored once (the backbone's publish de-duplication).
 */
export async function publishDeadLetter(
  backbone: Backbone,
  topic: string,
  letter: DeadLetter,
  headers: Record<string, string>,
): Promise<void> {
  await backbone.publish(topic, Buffer.from(JSON.stringify(letter)), {
    ...(letter.orderingKey !== undefined ? { key: letter.orderingKey } : {}),
    messageId: `dlq:${letter.route}:${letter.target}:${letter.message.topic}:${letter.message.sequence}`,
    headers: { ...headers, 'interlace-dead-letter-kind': letter.kind, 'interlace-route': letter.route, 'interlace-target': letter.target },
  });
}

/**
 * Header of a replayed message: the idempotency key its original delivery had. Read only by a route
 * target's replay consumer (`RouteTargetRuntime.replay`), and only when the key names that route target,
 * so a replay is the same effect as the original even when the original had no message id (its key
 * then came from the payload's hash, which a re-serialised payload need not reproduce).
 */
export const IDEMPOTENCY_KEY_HEADER = 'interlace-idempotency-key';

/**
 * The consumer `interlace dlq replay` acks dead letters with. Dead-letter depth is the backlog of
 * this consumer on a dead-letter topic: published and not yet replayed.
 */
export const DLQ_REPLAY_CONSUMER = 'dlq-replay';

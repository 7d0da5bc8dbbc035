import type { Message } from '../backbone/backbone.ts';

/**
 * The header that carries the source event's time (milliseconds since the epoch) along a chain of
 * routes: a route that publishes to a topic passes on the time of the event it started from, so the
 * next route's latency is measured from the source system's event, not from the hop.
 */
export const SOURCE_TIME_HEADER = 'interlace-source-time';

/**
 * When the message's source event happened: the carried header when it is a plausible time (a number
 * no later than this message's own storing — a header is input, it may lie), else the time the
 * message itself was stored on the backbone (a source system's event).
 */
export function sourceTimeOf(message: Pick<Message, 'headers' | 'publishedAt'>): number {
  const text = message.headers[SOURCE_TIME_HEADER];
  const carried = text !== undefined && /^[0-9]{1,15}$/.test(text) ? Number(text) : Number.NaN;
  return carried > 0 && carried <= message.publishedAt ? carried : message.publishedAt;
}

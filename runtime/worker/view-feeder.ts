import type { Backbone, Subscription } from '../backbone/backbone.ts';
import type { ViewStore } from '../http/view-store.ts';
import type { Logger } from '../../lib/log.ts';

export interface ViewFeed {
  /** `<api>@<major>/<operation>`: the view's name in the store. */
  view: string;
  consumer: string;
  topic: string;
  /** The route's event → the view's document (the response contract). Throws on a bad event. */
  map: (event: unknown) => unknown;
  /** The view's key from the document (same fields as the path parameters). */
  keyOf: (document: unknown) => string | undefined;
  validate?: (document: unknown) => string[] | undefined;
}

/**
 * Keeps one materialized view up to date from a route's events: its own durable consumer on the
 * route's source topic, the event mapped to the response contract and stored by key. An event that
 * cannot be mapped or breaks the contract is logged and skipped (the route's own targets dead-letter
 * it); the view never blocks on it. Deliveries run concurrently: the store keeps the newest sequence
 * per key, so a late redelivery never overwrites a newer state.
 */
export async function feedView(backbone: Backbone, store: ViewStore, feed: ViewFeed, logger: Logger): Promise<Subscription> {
  const log = logger.child({ view: feed.view });
  await backbone.ensureTopic(feed.topic);
  return backbone.subscribe(
    feed.topic,
    feed.consumer,
    async (delivery) => {
      let row: { key: string; document: unknown } | undefined;
      try {
        const event = JSON.parse(Buffer.from(delivery.payload).toString('utf8'));
        const document = feed.map(event);
        const problems = feed.validate?.(document);
        const key = feed.keyOf(document);
        if (problems || key === undefined) {
          log.warn('event skipped by the view', {
            sequence: delivery.sequence,
            problems: problems?.slice(0, 3),
            reason: key === undefined ? 'no key' : 'contract',
          });
        } else {
          row = { key, document };
        }
      } catch (error) {
        log.warn('event skipped by the view', { sequence: delivery.sequence, error });
      }
      if (row) {
        try {
          await store.put(feed.view, row.key, row.document, delivery.sequence);
        } catch (error) {
          // The store (a shared KV bucket) is unreachable: the event is not lost, it comes again.
          log.warn('view store write failed; the event will be delivered again', { sequence: delivery.sequence, error });
          await delivery.nak(1_000);
          return;
        }
      }
      await delivery.ack();
    },
    { maxInFlight: 64 },
  );
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../lib/log.ts';
import type { AdapterState } from './adapter-state.ts';

/**
 * A source adapter brings one System's events into the backbone: a webhook receiver, a poller, a
 * file pickup. Every adapter honours one rule: nothing is acknowledged to the source (a 2xx, a queue
 * delete, a file moved to the archive, a watermark advanced) before `publish` has resolved, i.e. the
 * event is durably stored. A crash between the two repeats the publish, which the backbone's
 * de-duplication absorbs because the message id is deterministic (derived from the source's own
 * identity of the change, never from a clock or a counter).
 */
export interface SourceContext {
  /** The System's name (`metadata.name`). */
  readonly system: string;
  /**
   * Publishes one event of the System (`event` as routes name it in `source.event`, e.g.
   * `SalesOrder.Changed`) and resolves once it is stored. `messageId` must be deterministic.
   * Resolves `false` when no route consumes the event (the event is dropped and counted, not an error).
   * `traceparent` (W3C, as the source sent it, e.g. a webhook's header) makes the publish a child of
   * the caller's trace; absent or malformed, the publish starts a trace of its own.
   */
  publish(event: string, payload: unknown, messageId: string, options?: PublishOptions): Promise<boolean>;
  /** Durable state for this adapter only (watermarks, seen delivery ids). */
  readonly state: AdapterState;
  /**
   * Counts a delivery the adapter answered without publishing: `replayed` (already published, e.g. a
   * webhook delivery id seen before), `rejected` (a bad signature, a malformed body) or `unrouted` (a
   * record the adapter has no event for, e.g. a transaction set a file pickup's `events` does not name).
   */
  count(outcome: 'replayed' | 'rejected' | 'unrouted'): void;
  /**
   * Stores a dead letter for input the adapter cannot turn into events (a partner file that does not
   * parse), on the dead-letter topic of every route target that consumes `event` (`interlace dlq
   * list`), and resolves once stored. `messageId` is deterministic: a crash and a retry store it once.
   */
  deadLetter?(event: string, reason: string, detail: Record<string, unknown>, messageId: string): Promise<void>;
  readonly log: Logger;
  /** Aborted when the adapter must stop (shutdown, hot reload). */
  readonly signal: AbortSignal;
}

export interface PublishOptions {
  /** The W3C `traceparent` of the request or message the event came in with. */
  traceparent?: string | undefined;
}

/** One running source adapter. */
export interface SourceAdapter {
  /** `webhook`, `poll`, `files`, ... (metrics, the run summary). */
  readonly kind: string;
  /** Tells apart several adapters of one kind on one System (a poll entry's name); part of the state scope. */
  readonly name?: string;
  /**
   * An HTTP endpoint the adapter serves (a webhook receiver): the worker routes requests whose
   * normalised path is `path` to `handle`, on its one HTTP port.
   */
  readonly http?: { readonly path: string; handle(req: IncomingMessage, res: ServerResponse): Promise<void> };
  start(context: SourceContext): Promise<void>;
  /** Stops taking new work and waits for what is in flight to be published or left unacknowledged. */
  stop(): Promise<void>;
}

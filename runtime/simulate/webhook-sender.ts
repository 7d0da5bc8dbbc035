/**
 * How a simulated System pushes its events when the estate declares a webhook for it
 * (`System.spec.sources.webhook`): as the platform would — a POST of the JSON body to the receiver,
 * signed with the shared secret as the spec says (header, encoding, prefix), the platform's event name
 * in the event header (the spec's `map` read backwards), and the event's id as the delivery id. A
 * delivery is retried (in order, with backoff) until the receiver answers 2xx, as Shopify retries for
 * 48 hours, one delivery per key at a time; a 401 is a configuration error and is counted, then retried
 * like the rest.
 */
import type { WebhookSpec } from '../adapters/webhook/webhook-source.ts';
import { signBody } from '../adapters/webhook/webhook-signature.ts';
import type { SourceEvent } from './source-publisher.ts';

export interface WebhookTarget {
  /** The receiver: the source unit's URL and the spec's path. */
  url: string;
  spec: WebhookSpec;
  /** The signing secret (when the spec signs) and the client state (when it checks one). */
  secret?: string;
  clientState?: string;
}

export interface WebhookCounters {
  /** Deliveries the receiver acknowledged with a 2xx. */
  delivered: number;
  /** Attempts that got no 2xx (a connection refused while the unit restarts, a 503, a 401) and were retried. */
  retries: number;
  /** Attempts refused with 401 (a signing secret that does not match: a configuration error). */
  unauthorized: number;
}

export class WebhookSender {
  readonly counters: WebhookCounters = { delivered: 0, retries: 0, unauthorized: 0 };
  private target: WebhookTarget;
  private readonly queue: SourceEvent[] = [];
  private draining: Promise<void> | undefined;
  private stopped = false;

  private readonly onStored: (event: SourceEvent) => void;

  /** `onStored`: told of each event the receiver acknowledged (it is durably stored by then). */
  constructor(target: WebhookTarget, onStored: (event: SourceEvent) => void = () => {}) {
    this.target = target;
    this.onStored = onStored;
  }

  /** Points the sender at a restarted receiver; queued deliveries go there. */
  retarget(target: WebhookTarget): void {
    this.target = target;
  }

  get backlog(): number {
    return this.queue.length;
  }

  send(event: SourceEvent): void {
    this.queue.push(event);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  async flush(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      this.draining ??= this.drain().finally(() => {
        this.draining = undefined;
      });
      await this.draining;
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Sends in small concurrent batches: each batch is acknowledged before the next (order within a key holds). */
  private async drain(): Promise<void> {
    let backoff = 50;
    while (this.queue.length > 0 && !this.stopped) {
      // One delivery per key in flight: two changes of one entity arrive in the order they were made.
      const keys = new Set<string>();
      const batch: SourceEvent[] = [];
      for (const event of this.queue) {
        if (batch.length === 32 || keys.has(event.key)) break;
        keys.add(event.key);
        batch.push(event);
      }
      const results = await Promise.all(batch.map((event) => this.deliver(event)));
      // Keep the failed ones at the head, in order, and try them again after a pause.
      const failed = batch.filter((_, i) => !results[i]);
      this.queue.splice(0, batch.length, ...failed);
      if (failed.length === 0) {
        backoff = 50;
        continue;
      }
      this.counters.retries += failed.length;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 2_000);
    }
  }

  private async deliver(event: SourceEvent): Promise<boolean> {
    const { url, spec, secret, clientState } = this.target;
    const payload =
      spec.clientState && clientState !== undefined && typeof event.payload === 'object' && event.payload !== null
        ? { ...(event.payload as Record<string, unknown>), [spec.clientState.field]: clientState }
        : event.payload;
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (spec.signature && secret !== undefined)
      headers[spec.signature.header] = signBody(body, secret, {
        encoding: spec.signature.encoding ?? 'hex',
        ...(spec.signature.prefix !== undefined ? { prefix: spec.signature.prefix } : {}),
      });
    if (spec.event.header) headers[spec.event.header] = platformName(spec, event.event);
    if (spec.deliveryId?.header) headers[spec.deliveryId.header] = event.id;
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status === 401) this.counters.unauthorized++;
      if (res.status >= 200 && res.status < 300) {
        this.counters.delivered++;
        this.onStored(event);
        return true;
      }
      return false;
    } catch {
      return false;
    }
  }
}

/** The platform's name of a System event: the `map` key that maps to it, else the event's own name. */
function platformName(spec: WebhookSpec, event: string): string {
  for (const [platform, name] of Object.entries(spec.event.map ?? {})) if (name === event) return platform;
  return event;
}

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { durationMs } from '../../../lib/duration.ts';
import { BODY_FAILURE_STATUS, readBody } from '../../../lib/http-server.ts';
import { readSecret } from '../../http/secrets.ts';
import type { Environment } from '../../http/secrets.ts';
import type { SourceAdapter, SourceContext } from '../source-adapter.ts';
import type { SourceKind, SourceSystem } from '../sources/create-sources.ts';
import { sameSecret, verifySignature } from './webhook-signature.ts';

/** `System.spec.sources.webhook` (language/kinds/schemas/system.schema.json), as the adapter reads it. */
export interface WebhookSpec {
  path: string;
  signature?: { header: string; encoding?: 'base64' | 'hex'; prefix?: string; secretRef: { name: string; key?: string } };
  clientState?: { field: string; secretRef: { name: string; key?: string } };
  validation?: { queryParameter: string };
  event: { name?: string; header?: string; field?: string; map?: Record<string, string> };
  deliveryId?: { header?: string; field?: string; remember?: string };
  batch?: { field: string; maxItems?: number };
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const DEFAULT_MAX_BATCH = 1_000;
const DEFAULT_REMEMBER_MS = 72 * 3_600_000;
const MAX_REMEMBER_MS = 720 * 3_600_000;
/** The longest validation token echoed (Graph's are about 200 characters). */
const MAX_VALIDATION_TOKEN = 1_024;
/** The longest delivery id kept (platform ids are UUIDs or numbers). */
const MAX_DELIVERY_ID = 256;
const BODY_TIMEOUT_MS = 15_000;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

export function webhookSpecOf(system: SourceSystem): WebhookSpec | undefined {
  return (system.spec.sources as { webhook?: WebhookSpec } | undefined)?.webhook;
}

/** `System.spec.sources.webhook` in the source registry (runtime/adapters/sources/create-sources.ts). */
export const webhookSourceKind: SourceKind = {
  property: 'webhook',
  create(system, deps) {
    const spec = webhookSpecOf(system);
    return spec ? [new WebhookSource(system.metadata.name, spec, deps.env)] : [];
  },
  secrets(system) {
    const spec = webhookSpecOf(system);
    const out: { secret: string; key: string }[] = [];
    if (spec?.signature) out.push({ secret: spec.signature.secretRef.name, key: spec.signature.secretRef.key ?? 'webhook-secret' });
    if (spec?.clientState) out.push({ secret: spec.clientState.secretRef.name, key: spec.clientState.secretRef.key ?? 'client-state' });
    return out;
  },
  servesHttp: (system) => webhookSpecOf(system) !== undefined,
};

/** A dotted path's value in a parsed JSON body, own properties only (`resource.id`). */
function fieldOf(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split('.')) {
    if (FORBIDDEN_SEGMENTS.has(segment) || typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A webhook receiver (docs/adapters.md#webhooks). Per delivery: the validation handshake if asked;
 * the body read within its limit; the HMAC signature checked on the raw bytes (401, nothing published);
 * the JSON parsed; each event's client state checked; a delivery id seen within `remember` answered
 * 200 without publishing; each event published (message id from the delivery id) and only then the
 * id remembered and 200 sent. A backbone that does not confirm is a 503, so the platform retries.
 */
export class WebhookSource implements SourceAdapter {
  readonly kind = 'webhook';
  readonly http: SourceAdapter['http'] & {};
  private readonly spec: WebhookSpec;
  private readonly signingSecret: string | undefined;
  private readonly clientState: string | undefined;
  private readonly rememberMs: number;
  private context: SourceContext | undefined;
  private stopping = false;
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];

  /** Reads the secrets at once: a unit whose secret is missing fails at start, not at the first delivery. */
  constructor(system: string, spec: WebhookSpec, env: Environment) {
    this.spec = spec;
    this.signingSecret = spec.signature
      ? readSecret(env, spec.signature.secretRef, 'webhook-secret', `webhook signing secret of ${system}`)
      : undefined;
    this.clientState = spec.clientState
      ? readSecret(env, spec.clientState.secretRef, 'client-state', `webhook client state of ${system}`)
      : undefined;
    this.rememberMs = Math.min(durationMs(spec.deliveryId?.remember, DEFAULT_REMEMBER_MS), MAX_REMEMBER_MS);
    this.http = { path: spec.path, handle: (req, res) => this.handle(req, res) };
  }

  async start(context: SourceContext): Promise<void> {
    this.context = context;
    this.stopping = false;
  }

  /** Refuses new deliveries (503) and waits up to 10 s for those in flight to be published and answered. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.inFlight === 0) return;
    await Promise.race([new Promise<void>((resolve) => this.idle.push(resolve)), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const context = this.context;
    if (!context || this.stopping) {
      req.resume();
      reply(res, 503, { error: 'the receiver is not running' }, { 'retry-after': '1' });
      return;
    }
    this.inFlight++;
    try {
      await this.receive(req, res, context);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private async receive(req: IncomingMessage, res: ServerResponse, context: SourceContext): Promise<void> {
    const spec = this.spec;
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const token = spec.validation ? query.get(spec.validation.queryParameter) : null;
    if (token !== null) {
      req.resume();
      if (token.length === 0 || token.length > MAX_VALIDATION_TOKEN) return reply(res, 400, { error: 'bad validation token' });
      // Graph and Business Central want the token back as it came, as text/plain, within seconds.
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      res.end(token);
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      return reply(res, 405, { error: 'deliveries are POSTed' }, { allow: 'POST' });
    }
    const read = await readBody(req, spec.maxBodyBytes ?? DEFAULT_MAX_BODY, BODY_TIMEOUT_MS);
    if (!read.ok) {
      context.count('rejected');
      return reply(
        res,
        BODY_FAILURE_STATUS[read.failure],
        { error: `body ${read.failure}` },
        read.failure === 'too-large' ? { connection: 'close' } : {},
      );
    }
    if (
      spec.signature &&
      !verifySignature(read.bytes, headerOf(req, spec.signature.header), this.signingSecret!, {
        encoding: spec.signature.encoding ?? 'hex',
        ...(spec.signature.prefix !== undefined ? { prefix: spec.signature.prefix } : {}),
      })
    ) {
      context.count('rejected');
      context.log.warn('webhook delivery refused: bad signature', { header: spec.signature.header });
      return reply(res, 401, { error: 'bad signature' });
    }
    let body: unknown;
    try {
      body = JSON.parse(read.body);
    } catch {
      context.count('rejected');
      return reply(res, 400, { error: 'the body is not JSON' });
    }
    let events: unknown[] = [body];
    if (spec.batch) {
      const list = fieldOf(body, spec.batch.field);
      if (!Array.isArray(list)) {
        context.count('rejected');
        return reply(res, 400, { error: `no array in ${spec.batch.field}` });
      }
      if (list.length > (spec.batch.maxItems ?? DEFAULT_MAX_BATCH)) {
        context.count('rejected');
        return reply(res, 413, { error: `more than ${spec.batch.maxItems ?? DEFAULT_MAX_BATCH} events in one delivery` });
      }
      events = list;
    }
    if (spec.clientState && !events.every((event) => sameSecret(fieldOf(event, spec.clientState!.field), this.clientState!))) {
      context.count('rejected');
      context.log.warn('webhook delivery refused: client state does not match', { field: spec.clientState.field });
      return reply(res, 401, { error: 'client state does not match' });
    }
    const deliveryId = this.deliveryIdOf(req, body, read.bytes);
    if (deliveryId === undefined) {
      context.count('rejected');
      return reply(res, 400, { error: 'no delivery id' });
    }
    const seenKey = `delivery:${deliveryId}`;
    let published = 0;
    let unrouted = 0;
    try {
      // The replay check reads the durable state too: unreachable (the broker restarting) is a 503 to
      // retry, like a publish that is not confirmed, never a 500 or a guess.
      const seen = await context.state.get(seenKey);
      if (seen !== undefined && Number(seen) > Date.now()) {
        context.count('replayed');
        return reply(res, 200, { status: 'already received', deliveryId });
      }
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        const name = this.eventNameOf(req, event);
        const messageId = spec.batch ? `${deliveryId}:${i}` : deliveryId;
        // An event no route consumes (or that names none: '') is dropped and counted, and still
        // answered 2xx: platforms send topics nobody routes, and must not retry them.
        if (await context.publish(name ?? '', event, messageId, { traceparent: headerOf(req, 'traceparent') })) published++;
        else unrouted++;
      }
      // Remembered only once everything is stored: a crash before this line lets the retry publish
      // again, and the backbone's de-duplication (same message id) stores it once.
      await context.state.put(seenKey, String(Date.now() + this.rememberMs));
    } catch (error) {
      context.log.error('webhook delivery not stored; the platform will retry', { error, deliveryId });
      return reply(res, 503, { error: 'not stored, retry' }, { 'retry-after': '1' });
    }
    reply(res, 200, { status: 'received', deliveryId, published, unrouted });
  }

  /** The delivery's id: its header or body field, or the SHA-256 of the raw body when none is declared. */
  private deliveryIdOf(req: IncomingMessage, body: unknown, bytes: Buffer): string | undefined {
    const declared = this.spec.deliveryId;
    if (!declared?.header && !declared?.field) return createHash('sha256').update(bytes).digest('hex');
    const value = declared.header ? headerOf(req, declared.header) : fieldOf(body, declared.field!);
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_DELIVERY_ID) return undefined;
    return text;
  }

  /** The System event a delivery (or batch entry) is, after `map`; undefined when it names none. */
  private eventNameOf(req: IncomingMessage, event: unknown): string | undefined {
    const declared = this.spec.event;
    const raw = declared.name ?? (declared.header ? headerOf(req, declared.header) : fieldOf(event, declared.field ?? ''));
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > 200) return undefined;
    const mapped = declared.map && Object.hasOwn(declared.map, raw) ? declared.map[raw]! : raw;
    return mapped;
  }
}

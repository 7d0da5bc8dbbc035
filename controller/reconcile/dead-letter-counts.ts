/**
 * Dead letters waiting per route, read from the estate's NATS backbone for the Estate's status
 * (`status.deadLetters`, `status.deadLetterCount`). A route's count is the backlog of the
 * `dlq-replay` consumer on each distinct dead-letter topic of its targets: dead letters stored and
 * neither replayed nor purged. The controller connects with the same credentials the workers get (the
 * backbone Secret's keys; a creds file or CA is written to a private temporary folder) and keeps one
 * connection per namespace and backbone, renewed when the Secret changes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { JetStreamBackbone } from '../../runtime/backbone/jetstream-backbone.ts';
import type { NatsAuth } from '../../runtime/backbone/nats-auth.ts';
import { TopicNotFoundError } from '../../runtime/backbone/errors.ts';
import { DLQ_REPLAY_CONSUMER } from '../../runtime/delivery/dead-letter.ts';
import { deliveryPolicyOf } from '../../runtime/delivery/policy.ts';
import type { Delivery } from '../../language/kinds/generated/kinds.ts';
import type { KubeRest } from '../apply/index.ts';
import type { BackboneSpec } from '../plan/backbone-env.ts';
import type { Plan } from '../plan/index.ts';

/** The dead-letter topics of one route's targets (deduplicated: targets may share one). */
export interface RouteDeadLetterTopics {
  route: string;
  topics: string[];
}

/** Waiting dead letters of one route. */
export interface RouteDeadLetterCount {
  route: string;
  count: number;
}

export type DeadLetterCountResult = { ok: true; routes: RouteDeadLetterCount[] } | { ok: false; reason: string };

/** Reads dead-letter counts for the reconciler; `close` ends its connections. */
export interface DeadLetterCounter {
  count(namespace: string, backbone: BackboneSpec, routes: readonly RouteDeadLetterTopics[]): Promise<DeadLetterCountResult>;
  close(): Promise<void>;
}

/** Each planned EventRoute with the dead-letter topics of its targets, as the worker derives them. */
export function routeDeadLetterTopics(plan: Plan): RouteDeadLetterTopics[] {
  const out: RouteDeadLetterTopics[] = [];
  for (const p of plan.objects) {
    if (p.stage !== 2 || p.ref.kind !== 'EventRoute') continue;
    const route = p.ref.name;
    const targets = ((p.object.spec as { targets?: { name: string; delivery?: Delivery }[] } | undefined)?.targets ?? []).filter(
      (t) => typeof t?.name === 'string',
    );
    const topics = [...new Set(targets.map((t) => deliveryPolicyOf(route, t.name, t.delivery).deadLetterTopic))].sort();
    out.push({ route, topics });
  }
  return out.sort((a, b) => (a.route < b.route ? -1 : a.route > b.route ? 1 : 0));
}

interface Connection {
  fingerprint: string;
  backbone: Promise<JetStreamBackbone>;
  folder?: string;
  /** When connecting failed: the next attempt waits {@link RECONNECT_AFTER_MS}, so an unreachable backbone costs one timeout, not one per reconcile. */
  failedAt?: number;
}

/** How long after a failed connection attempt the next one is made. */
const RECONNECT_AFTER_MS = 30_000;

/** The counter the controller uses: JetStream, with credentials from the backbone's Secrets. */
export class NatsDeadLetterCounter implements DeadLetterCounter {
  readonly #rest: KubeRest;
  readonly #timeoutMs: number;
  readonly #connections = new Map<string, Connection>();

  /** `timeoutMs` bounds one count, connecting included (default 5 s): a NATS that is away must not hold up a reconcile. */
  constructor(rest: KubeRest, options: { timeoutMs?: number } = {}) {
    this.#rest = rest;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  async count(namespace: string, backbone: BackboneSpec, routes: readonly RouteDeadLetterTopics[]): Promise<DeadLetterCountResult> {
    if (routes.length === 0) return { ok: true, routes: [] };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<DeadLetterCountResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, reason: `no answer from the backbone within ${this.#timeoutMs} ms` }), this.#timeoutMs);
    });
    try {
      return await Promise.race([this.#count(namespace, backbone, routes), timeout]);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  async #count(namespace: string, spec: BackboneSpec, routes: readonly RouteDeadLetterTopics[]): Promise<DeadLetterCountResult> {
    const backbone = await this.#connection(namespace, spec);
    const topics = [...new Set(routes.flatMap((r) => r.topics))];
    const waiting = new Map<string, number>();
    await Promise.all(
      topics.map(async (topic) => {
        try {
          waiting.set(topic, await backbone.pending(topic, DLQ_REPLAY_CONSUMER));
        } catch (error) {
          if (!(error instanceof TopicNotFoundError)) throw error;
          waiting.set(topic, 0); // no dead letter was ever stored there
        }
      }),
    );
    return { ok: true, routes: routes.map((r) => ({ route: r.route, count: r.topics.reduce((n, t) => n + (waiting.get(t) ?? 0), 0) })) };
  }

  async #connection(namespace: string, spec: BackboneSpec): Promise<JetStreamBackbone> {
    const secrets = await this.#secrets(namespace, spec);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([spec, secrets]))
      .digest('hex');
    const key = `${namespace}/${spec.url}`;
    const current = this.#connections.get(key);
    if (current?.fingerprint === fingerprint) {
      try {
        return await current.backbone;
      } catch (error) {
        if (current.failedAt !== undefined && Date.now() - current.failedAt < RECONNECT_AFTER_MS)
          throw new Error(
            `cannot connect to the backbone (next attempt within ${RECONNECT_AFTER_MS / 1000} s): ${(error as Error).message}`,
          );
        // the last attempt failed long enough ago: try again below
      }
    }
    if (current) await this.#drop(key, current);
    const { auth, folder } = authFrom(spec, secrets);
    const connection: Connection = {
      fingerprint,
      backbone: openJetStreamBackbone({ servers: spec.url.split(','), name: 'interlace-controller', auth }),
      ...(folder ? { folder } : {}),
    };
    this.#connections.set(key, connection);
    connection.backbone.catch(() => {
      connection.failedAt = Date.now(); // awaited below; a count after RECONNECT_AFTER_MS tries again
    });
    return connection.backbone;
  }

  /** The data of the backbone's Secrets (decoded), by Secret name. */
  async #secrets(namespace: string, spec: BackboneSpec): Promise<Record<string, Record<string, string>>> {
    const names = [spec.credentials?.secretRef.name, spec.tls?.caSecretRef.name].filter((n): n is string => n !== undefined);
    const out: Record<string, Record<string, string>> = {};
    for (const name of names) {
      const secret = (await this.#rest.get({ apiVersion: 'v1', kind: 'Secret', namespace, name })) as { data?: Record<string, string> };
      out[name] = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    }
    return out;
  }

  async #drop(key: string, connection: Connection): Promise<void> {
    this.#connections.delete(key);
    await connection.backbone.then((b) => b.close()).catch(() => {});
    if (connection.folder) rmSync(connection.folder, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#connections].map(([key, c]) => this.#drop(key, c)));
  }
}

/** NatsAuth from the Secrets' data; a creds file and a CA go to a private folder (the client reads files). */
function authFrom(spec: BackboneSpec, secrets: Record<string, Record<string, string>>): { auth: NatsAuth; folder?: string } {
  const auth: NatsAuth = {};
  let folder: string | undefined;
  const file = (name: string, text: string): string => {
    folder ??= mkdtempSync(join(tmpdir(), 'interlace-controller-nats-'));
    const path = join(folder, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const credentials = spec.credentials;
  if (credentials) {
    const data = secrets[credentials.secretRef.name] ?? {};
    switch (credentials.type) {
      case 'userPassword':
        auth.user = data['username'] ?? '';
        auth.password = data['password'] ?? '';
        break;
      case 'token':
        auth.token = data['token'] ?? '';
        break;
      case 'nkey':
        auth.nkeySeed = data['seed'] ?? '';
        break;
      case 'creds':
        auth.credsFile = file('user.creds', data['user.creds'] ?? '');
        break;
    }
  }
  if (spec.tls) auth.caFile = file('ca.crt', secrets[spec.tls.caSecretRef.name]?.['ca.crt'] ?? '');
  return { auth, ...(folder ? { folder } : {}) };
}

// Push webhooks from GitHub and GitLab, so a commit reaches the cluster in seconds instead of at the
// next poll. The signature (or token) is checked on the raw bytes before anything is parsed: an
// unauthenticated sender can make us read at most `maxBodyBytes` and compute one HMAC per secret.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../lib/http-server.ts';
import { DeliveryLog } from './webhook-replay.ts';

/** A verified push: which repository (every URL form the provider sent), which ref, which commit. */
export interface PushEvent {
  provider: 'github' | 'gitlab';
  /** Clone, SSH and web URLs of the pushed repository, as sent; compare with {@link normalizeRepositoryUrl}. */
  repositoryUrls: string[];
  /** Full ref, e.g. `refs/heads/main` or `refs/tags/v1.2.0`. */
  ref: string;
  /** Commit the ref points at after the push (all zeros when the ref was deleted). */
  after: string;
  /** Id of the secret that verified the request (e.g. the Estate's `namespace/name`). */
  secretId: string;
}

/** One key a request may be signed with; `id` says whose it is and is reported back in {@link PushEvent}. */
export interface WebhookSecret {
  id: string;
  token: string;
}

export type WebhookOutcome =
  | 'accepted'
  | 'ping'
  | 'ignored'
  | 'unauthorized'
  | 'bad-request'
  | 'too-large'
  | 'method-not-allowed'
  | 'timeout'
  | 'replay'
  | 'error';

export interface WebhookReceiverOptions {
  /**
   * The secrets a request to this path may be signed with. Called per request, so a mounted path like
   * `/hook/<namespace>/<estate>` can narrow it to one Estate's secret; an empty list rejects.
   */
  secrets: (request: { path: string }) => readonly WebhookSecret[] | Promise<readonly WebhookSecret[]>;
  /** Called once per verified push (enqueue matching Estates here; keep it quick). */
  onPush: (event: PushEvent) => void | Promise<void>;
  /** Largest body read (default 1 MiB); larger requests get 413 without being verified or parsed. */
  maxBodyBytes?: number;
  /** Longest time to receive the body (default 10 s); a slower client gets 408. */
  bodyTimeoutMs?: number;
  /**
   * Verified deliveries seen recently: an exact replay (same delivery id, or same signed body) within
   * its window is refused with 409. Default: a log of its own, 10 minutes.
   */
  deliveries?: DeliveryLog;
  /** Observes each answered request (metrics, logs). Never given the body or any header value. */
  onRequest?: (provider: 'github' | 'gitlab' | 'unknown', outcome: WebhookOutcome, status: number) => void;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * A `node:http` request handler for push webhooks.
 *
 * Answers: 202 push accepted, 200 ping or other verified event (ignored), 401 missing or wrong
 * signature/token, 400 not a webhook or malformed verified payload, 405 not POST, 413 body too large,
 * 408 body too slow, 500 when `onPush` throws.
 */
export function createWebhookHandler(options: WebhookReceiverOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const bodyTimeout = options.bodyTimeoutMs ?? 10_000;
  const deliveries = options.deliveries ?? new DeliveryLog();
  return (req, res) => {
    const provider =
      req.headers['x-github-event'] !== undefined ? 'github' : req.headers['x-gitlab-event'] !== undefined ? 'gitlab' : 'unknown';
    const answer = (status: number, outcome: WebhookOutcome, message: string) => {
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': 'application/json', connection: status >= 400 ? 'close' : 'keep-alive' });
        res.end(`${JSON.stringify({ outcome, message })}\n`);
      }
      options.onRequest?.(provider, outcome, status);
    };
    void handle(req, provider, maxBody, bodyTimeout, deliveries, options).then(
      ({ status, outcome, message }) => answer(status, outcome, message),
      () => answer(500, 'error', 'the push could not be queued'),
    );
  };
}

interface Answer {
  status: number;
  outcome: WebhookOutcome;
  message: string;
}

async function handle(
  req: IncomingMessage,
  provider: 'github' | 'gitlab' | 'unknown',
  maxBody: number,
  bodyTimeout: number,
  deliveries: DeliveryLog,
  options: WebhookReceiverOptions,
): Promise<Answer> {
  if (req.method !== 'POST') {
    req.resume();
    return { status: 405, outcome: 'method-not-allowed', message: 'webhooks are POST requests' };
  }
  if (provider === 'unknown') {
    req.resume();
    return { status: 400, outcome: 'bad-request', message: 'not a GitHub or GitLab webhook (no X-GitHub-Event or X-Gitlab-Event header)' };
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBody) {
    req.resume();
    return { status: 413, outcome: 'too-large', message: `body larger than ${maxBody} bytes` };
  }
  const read = await readBody(req, maxBody, bodyTimeout);
  if (!read.ok) {
    if (read.failure === 'too-large') return { status: 413, outcome: 'too-large', message: `body larger than ${maxBody} bytes` };
    if (read.failure === 'timeout') return { status: 408, outcome: 'timeout', message: 'body not received in time' };
    return { status: 400, outcome: 'bad-request', message: 'body not received' };
  }
  const body = read.bytes;

  const path = (req.url ?? '/').split('?')[0]!;
  const secrets = await options.secrets({ path });
  const verifiedBy = provider === 'github' ? verifyGitHub(req, body, secrets) : verifyGitLab(req, secrets);
  if (!verifiedBy) return { status: 401, outcome: 'unauthorized', message: 'signature or token missing or wrong' };

  // Only verified deliveries are remembered, so unsigned traffic cannot fill the log. The delivery id
  // header is not signed: an exact replay with a fresh id is still caught by the body's digest.
  const deliveryId = req.headers[provider === 'github' ? 'x-github-delivery' : 'x-gitlab-event-uuid'];
  const eventName = String(req.headers[provider === 'github' ? 'x-github-event' : 'x-gitlab-event']);
  const keys = [`${verifiedBy}#body:${createHash('sha256').update(`${eventName}\n`).update(body).digest('hex')}`];
  if (typeof deliveryId === 'string' && deliveryId !== '') keys.push(`${verifiedBy}#id:${deliveryId.slice(0, 200)}`);
  if (!deliveries.firstSeen(keys)) return { status: 409, outcome: 'replay', message: 'this delivery was already received' };

  // Verified: from here on the sender is trusted enough to be told what was wrong with the payload.
  const event = eventName;
  if (provider === 'github' && event === 'ping') return { status: 200, outcome: 'ping', message: 'pong' };
  const isPush = provider === 'github' ? event === 'push' : event === 'Push Hook' || event === 'Tag Push Hook';
  if (!isPush) return { status: 200, outcome: 'ignored', message: `event "${event.slice(0, 64)}" ignored` };

  const payload = parsePayload(req, body);
  if (!payload) return { status: 400, outcome: 'bad-request', message: 'payload is not a JSON object' };
  const push = provider === 'github' ? githubPush(payload) : gitlabPush(payload);
  if (!push) return { status: 400, outcome: 'bad-request', message: 'push payload lacks ref, after or repository URLs' };
  try {
    await options.onPush({ provider, ...push, secretId: verifiedBy });
  } catch (error) {
    deliveries.forget(keys);
    throw error;
  }
  return { status: 202, outcome: 'accepted', message: `push to ${push.ref} queued` };
}

/** The id of the secret whose HMAC-SHA256 of the raw body equals X-Hub-Signature-256, compared in constant time. */
function verifyGitHub(req: IncomingMessage, body: Buffer, secrets: readonly WebhookSecret[]): string | undefined {
  const header = req.headers['x-hub-signature-256'];
  if (typeof header !== 'string' || !/^sha256=[0-9a-f]{64}$/i.test(header)) return undefined;
  const given = Buffer.from(header.slice(7).toLowerCase(), 'hex');
  let match: string | undefined;
  for (const secret of secrets) {
    if (secret.token === '') continue;
    const expected = createHmac('sha256', secret.token).update(body).digest();
    // Every secret is tried (no early exit), so timing does not tell which one is close.
    if (timingSafeEqual(expected, given) && match === undefined) match = secret.id;
  }
  return match;
}

/** The id of the secret equal to X-Gitlab-Token; both sides hashed first so lengths never leak. */
function verifyGitLab(req: IncomingMessage, secrets: readonly WebhookSecret[]): string | undefined {
  const header = req.headers['x-gitlab-token'];
  if (typeof header !== 'string' || header === '') return undefined;
  const given = createHash('sha256').update(header).digest();
  let match: string | undefined;
  for (const secret of secrets) {
    if (secret.token === '') continue;
    if (timingSafeEqual(createHash('sha256').update(secret.token).digest(), given) && match === undefined) match = secret.id;
  }
  return match;
}

function parsePayload(req: IncomingMessage, body: Buffer): Record<string, unknown> | undefined {
  let text = body.toString('utf8');
  // GitHub can send `application/x-www-form-urlencoded` with the JSON in a `payload` field.
  if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    text = new URLSearchParams(text).get('payload') ?? '';
  }
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function strings(object: unknown, keys: readonly string[]): string[] {
  if (object === null || typeof object !== 'object') return [];
  const record = object as Record<string, unknown>;
  return keys.map((k) => record[k]).filter((v): v is string => typeof v === 'string' && v !== '');
}

function pushOf(ref: unknown, after: unknown, urls: string[]): Omit<PushEvent, 'provider' | 'secretId'> | undefined {
  if (typeof ref !== 'string' || !ref.startsWith('refs/') || typeof after !== 'string' || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(after))
    return undefined;
  const repositoryUrls = [...new Set(urls)];
  return repositoryUrls.length === 0 ? undefined : { repositoryUrls, ref, after };
}

function githubPush(p: Record<string, unknown>): Omit<PushEvent, 'provider' | 'secretId'> | undefined {
  return pushOf(p.ref, p.after, strings(p.repository, ['clone_url', 'ssh_url', 'git_url', 'html_url', 'url']));
}

function gitlabPush(p: Record<string, unknown>): Omit<PushEvent, 'provider' | 'secretId'> | undefined {
  return pushOf(p.ref, p.after, [
    ...strings(p.project, ['git_http_url', 'git_ssh_url', 'web_url']),
    ...strings(p.repository, ['git_http_url', 'git_ssh_url', 'homepage', 'url']),
  ]);
}

/**
 * A comparable form of a repository URL: `host[:port]/path`, lower-case host, no scheme, user,
 * password, `.git` suffix or trailing slash; `git@host:org/repo` becomes `host/org/repo`.
 * `https://github.com/Org/Repo.git` and `git@github.com:Org/Repo` compare equal.
 */
export function normalizeRepositoryUrl(url: string): string {
  const trimmed = url.trim();
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(trimmed);
  let host: string;
  let path: string;
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    try {
      const parsed = new URL(trimmed);
      host = parsed.host;
      path = parsed.pathname;
    } catch {
      return trimmed.toLowerCase();
    }
  }
  path = path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '');
  // Default ports say nothing about which repository it is.
  host = host.toLowerCase().replace(/:(443|80|22)$/, '');
  return `${host}/${path}`;
}

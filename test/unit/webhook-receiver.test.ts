// Push webhooks over real HTTP: GitHub HMAC signatures and GitLab tokens verified before parsing,
// the right status for every kind of bad request, and onPush only for verified pushes.
import { createHmac } from 'node:crypto';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PushEvent, WebhookOutcome } from '../../language/source/webhook-receiver.ts';
import { createWebhookHandler, normalizeRepositoryUrl } from '../../language/source/webhook-receiver.ts';
import { DeliveryLog } from '../../language/source/webhook-replay.ts';

const SECRET = 'hmac-key-for-shop';
const OTHER = 'hmac-key-for-another-estate';
const SHA = 'a'.repeat(40);

let server: Server;
let base: string;
const pushes: PushEvent[] = [];
const outcomes: WebhookOutcome[] = [];
let pushFails = false;

beforeAll(async () => {
  server = createServer(
    createWebhookHandler({
      secrets: ({ path }) =>
        path === '/hook/only-other'
          ? [{ id: 'ns/other', token: OTHER }]
          : [
              { id: 'ns/other', token: OTHER },
              { id: 'ns/shop', token: SECRET },
            ],
      onPush: (event) => {
        if (pushFails) throw new Error('queue closed');
        pushes.push(event);
      },
      maxBodyBytes: 64 * 1024,
      onRequest: (_p, outcome) => outcomes.push(outcome),
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  pushes.length = 0;
  outcomes.length = 0;
  pushFails = false;
});

const githubPush = JSON.stringify({
  ref: 'refs/heads/main',
  before: '0'.repeat(40),
  after: SHA,
  repository: {
    clone_url: 'https://github.com/acme/specs.git',
    ssh_url: 'git@github.com:acme/specs.git',
    html_url: 'https://github.com/acme/specs',
  },
});
const sign = (body: string | Buffer, key = SECRET) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

async function post(path: string, headers: Record<string, string>, body: string | Buffer, method = 'POST') {
  const res = await fetch(`${base}${path}`, { method, headers, body: method === 'GET' ? undefined : body });
  return { status: res.status, body: await res.text() };
}

describe('GitHub push webhooks', () => {
  it('accepts a correctly signed push with 202 and reports repository URLs, ref and commit', async () => {
    const res = await post(
      '/hook',
      { 'x-github-event': 'push', 'x-hub-signature-256': sign(githubPush), 'content-type': 'application/json' },
      githubPush,
    );
    expect(res.status).toBe(202);
    expect(pushes).toEqual([
      {
        provider: 'github',
        secretId: 'ns/shop',
        ref: 'refs/heads/main',
        after: SHA,
        repositoryUrls: ['https://github.com/acme/specs.git', 'git@github.com:acme/specs.git', 'https://github.com/acme/specs'],
      },
    ]);
    expect(outcomes).toEqual(['accepted']);
  });

  it('answers a signed ping with 200 and queues nothing', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
    const res = await post('/hook', { 'x-github-event': 'ping', 'x-hub-signature-256': sign(body) }, body);
    expect(res.status).toBe(200);
    expect(pushes).toEqual([]);
  });

  it('rejects a missing, malformed or wrong signature with 401 before parsing', async () => {
    expect((await post('/hook', { 'x-github-event': 'push' }, githubPush)).status).toBe(401);
    expect((await post('/hook', { 'x-github-event': 'push', 'x-hub-signature-256': 'sha1=abc' }, githubPush)).status).toBe(401);
    expect((await post('/hook', { 'x-github-event': 'push', 'x-hub-signature-256': sign(githubPush, 'guess') }, githubPush)).status).toBe(
      401,
    );
    // A body changed after signing.
    expect(
      (await post('/hook', { 'x-github-event': 'push', 'x-hub-signature-256': sign(githubPush) }, githubPush.replace('main', 'evil')))
        .status,
    ).toBe(401);
    // Unparseable JSON with a bad signature is 401, not 400: nothing is parsed before verification.
    const res = await post('/hook', { 'x-github-event': 'push', 'x-hub-signature-256': sign('x', 'guess') }, '{not json');
    expect(res.status).toBe(401);
    expect(res.body).not.toContain(SECRET);
    expect(pushes).toEqual([]);
  });

  it('uses only the secrets offered for the request path', async () => {
    expect((await post('/hook/only-other', { 'x-github-event': 'push', 'x-hub-signature-256': sign(githubPush) }, githubPush)).status).toBe(
      401,
    );
    const res = await post('/hook/only-other', { 'x-github-event': 'push', 'x-hub-signature-256': sign(githubPush, OTHER) }, githubPush);
    expect(res.status).toBe(202);
    expect(pushes[0]?.secretId).toBe('ns/other');
  });

  it('answers 400 for a verified but malformed payload and 200 for other verified events', async () => {
    expect((await post('/hook', { 'x-github-event': 'push', 'x-hub-signature-256': sign('{nope') }, '{nope')).status).toBe(400);
    const noRef = JSON.stringify({ after: SHA, repository: { clone_url: 'https://x/y.git' } });
    expect((await post('/hook', { 'x-github-event': 'push', 'x-hub-signature-256': sign(noRef) }, noRef)).status).toBe(400);
    expect((await post('/hook', { 'x-github-event': 'issues', 'x-hub-signature-256': sign('{}') }, '{}')).status).toBe(200);
    expect(pushes).toEqual([]);
  });

  it('reads the form-encoded payload variant, signed over the raw form body', async () => {
    const body = `payload=${encodeURIComponent(githubPush)}`;
    const res = await post(
      '/hook',
      { 'x-github-event': 'push', 'x-hub-signature-256': sign(body), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    );
    expect(res.status).toBe(202);
    expect(pushes[0]?.ref).toBe('refs/heads/main');
  });

  it("answers 500 when the push cannot be queued, and takes the sender's retry of it", async () => {
    pushFails = true;
    const body = githubPush.replace(SHA, 'e'.repeat(40));
    expect((await post('/hook', { 'x-github-event': 'push', 'x-hub-signature-256': sign(body) }, body)).status).toBe(500);
    pushFails = false;
    expect((await post('/hook', { 'x-github-event': 'push', 'x-hub-signature-256': sign(body) }, body)).status).toBe(202);
  });

  it('refuses an exact replay (same signed body, or same delivery id) with 409 and queues it once', async () => {
    const body = githubPush.replace(SHA, 'b'.repeat(40));
    const headers = { 'x-github-event': 'push', 'x-hub-signature-256': sign(body), 'x-github-delivery': 'delivery-1' };
    expect((await post('/hook', headers, body)).status).toBe(202);
    // The same request again, and again with a fresh delivery id (the id is not signed).
    expect((await post('/hook', headers, body)).status).toBe(409);
    expect((await post('/hook', { ...headers, 'x-github-delivery': 'delivery-2' }, body)).status).toBe(409);
    // Another push that reuses the delivery id.
    const other = githubPush.replace(SHA, 'c'.repeat(40));
    expect((await post('/hook', { ...headers, 'x-hub-signature-256': sign(other) }, other)).status).toBe(409);
    expect(pushes.map((p) => p.after)).toEqual(['b'.repeat(40)]);
    expect(outcomes).toEqual(['accepted', 'replay', 'replay', 'replay']);
  });
});

describe('GitLab push webhooks', () => {
  const gitlabPush = JSON.stringify({
    object_kind: 'push',
    ref: 'refs/tags/v1.2.0',
    after: SHA,
    project: {
      git_http_url: 'https://gitlab.example.com/acme/specs.git',
      git_ssh_url: 'git@gitlab.example.com:acme/specs.git',
      web_url: 'https://gitlab.example.com/acme/specs',
    },
  });

  it('accepts a push with the right token (Push Hook and Tag Push Hook)', async () => {
    expect((await post('/hook', { 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': SECRET }, gitlabPush)).status).toBe(202);
    expect((await post('/hook', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': OTHER }, gitlabPush)).status).toBe(202);
    expect(pushes.map((p) => [p.provider, p.secretId, p.ref])).toEqual([
      ['gitlab', 'ns/shop', 'refs/tags/v1.2.0'],
      ['gitlab', 'ns/other', 'refs/tags/v1.2.0'],
    ]);
    expect(pushes[0]?.repositoryUrls).toContain('git@gitlab.example.com:acme/specs.git');
  });

  it('rejects a missing or wrong token (including a prefix of the right one) with 401', async () => {
    expect((await post('/hook', { 'x-gitlab-event': 'Push Hook' }, gitlabPush)).status).toBe(401);
    expect((await post('/hook', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET.slice(0, -1) }, gitlabPush)).status).toBe(401);
    expect((await post('/hook', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': `${SECRET}x` }, gitlabPush)).status).toBe(401);
    expect(pushes).toEqual([]);
  });

  it('ignores other verified events', async () => {
    expect((await post('/hook', { 'x-gitlab-event': 'Merge Request Hook', 'x-gitlab-token': SECRET }, '{}')).status).toBe(200);
    expect(pushes).toEqual([]);
  });
});

describe('requests that are not webhooks', () => {
  it('answers 405 to GET and 400 without a provider header', async () => {
    expect((await post('/hook', {}, '', 'GET')).status).toBe(405);
    expect((await post('/hook', { 'content-type': 'application/json' }, githubPush)).status).toBe(400);
  });

  it('rejects an oversized body with 413 by Content-Length, without reading it', async () => {
    const big = Buffer.alloc(65 * 1024, 0x20);
    const res = await post('/hook', { 'x-github-event': 'push', 'x-hub-signature-256': sign(big) }, big);
    expect(res.status).toBe(413);
    expect(outcomes).toEqual(['too-large']);
  });

  it('stops reading a chunked body once it passes the limit', async () => {
    const status = await new Promise<number | string>((resolve) => {
      const req = request(
        `${base}/hook`,
        { method: 'POST', headers: { 'x-github-event': 'push', 'x-hub-signature-256': sign('x'), 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? 'error'));
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 200) {
          sent++;
          if (!req.write(chunk)) return req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    // The server answers 413 and closes; a client still uploading may see the reset instead.
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(status);
    expect(pushes).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(outcomes).toEqual(['too-large']);
  });
});

describe('replay window', () => {
  it('forgets deliveries after the window and bounds the entries it keeps', () => {
    let now = 0;
    const log = new DeliveryLog({ windowMs: 1000, maxEntries: 3, now: () => now });
    expect(log.firstSeen(['a'])).toBe(true);
    expect(log.firstSeen(['a'])).toBe(false);
    now = 1000;
    expect(log.firstSeen(['a'])).toBe(true);
    for (const k of ['b', 'c', 'd', 'e']) log.firstSeen([k]);
    expect(log.size).toBe(3);
  });
});

describe('slow senders', () => {
  it('answers a body that trickles past its time limit with 408', async () => {
    const slow = createServer(
      createWebhookHandler({ secrets: () => [{ id: 'ns/shop', token: SECRET }], onPush: () => {}, bodyTimeoutMs: 300 }),
    );
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const port = (slow.address() as AddressInfo).port;
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            `POST /hook HTTP/1.1\r\nhost: x\r\nx-github-event: push\r\nx-hub-signature-256: ${sign(githubPush)}\r\ncontent-length: ${githubPush.length}\r\n\r\n{"ref"`,
          );
        });
        let text = '';
        socket.on('data', (d) => {
          text += d.toString();
        });
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"outcome":"timeout"');
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });
});

describe('normalizeRepositoryUrl', () => {
  it('makes HTTPS, SSH and scp-style forms of one repository equal', () => {
    const forms = [
      'https://github.com/acme/specs.git',
      'https://GitHub.com/acme/specs/',
      'git@github.com:acme/specs.git',
      'ssh://git@github.com:22/acme/specs.git',
      'https://user:pw@github.com:443/acme/specs',
    ];
    expect(new Set(forms.map(normalizeRepositoryUrl))).toEqual(new Set(['github.com/acme/specs']));
    expect(normalizeRepositoryUrl('http://127.0.0.1:8080/repo.git')).toBe('127.0.0.1:8080/repo');
    expect(normalizeRepositoryUrl('https://github.com/acme/other')).not.toBe('github.com/acme/specs');
  });
});

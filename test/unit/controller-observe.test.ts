// /healthz, /readyz and /metrics over real HTTP, metrics fed by the real work queue, git source and
// webhook receiver through their hooks, and one-JSON-object-per-line logs.
import { createHmac } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createControllerMetrics } from '../../controller/observe/controller-metrics.ts';
import { readinessCheck, startHealthServer } from '../../controller/observe/health-server.ts';
import { createLogger } from '../../lib/log.ts';
import { WorkQueue } from '../../controller/reconcile/work-queue.ts';
import { GitSourceCache } from '../../language/source/git-source.ts';
import { createWebhookHandler } from '../../language/source/webhook-receiver.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const tree = tempTree({});
afterAll(() => tree.cleanup());

describe('health server', () => {
  it('answers /healthz always, /readyz by informer sync and leader-election connectivity, 404 otherwise', async () => {
    let synced = false;
    let connected = false;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      ready: readinessCheck({ informer: { hasSynced: () => synced }, leaderElection: { connected: () => connected } }),
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      const text = await notReady.text();
      expect(text).toContain('informer has not synced');
      expect(text).toContain('leader election cannot reach');
      synced = true;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      connected = true;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
    // Without leader election, only the informer counts.
    expect(readinessCheck({ informer: { hasSynced: () => true } })().ready).toBe(true);
  });

  it('serves Prometheus metrics fed by the queue, the git source and the webhook receiver', async () => {
    const metrics = createControllerMetrics({ processMetrics: false });
    const secret = 'k';
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      ready: () => ({ ready: true, reasons: [] }),
      registry: metrics.registry,
      webhook: createWebhookHandler({ secrets: () => [{ id: 'ns/e', token: secret }], onPush: () => {}, onRequest: metrics.webhookHook }),
    });
    try {
      const queue = new WorkQueue({ onDepthChange: metrics.queueHooks.onDepthChange });
      queue.add('ns/a');
      queue.add('ns/b');
      let calls = 0;
      const running = queue.run(
        1,
        async () => {
          if (calls++ === 0) throw new Error('first fails');
        },
        metrics.queueHooks,
      );
      await new Promise((r) => setTimeout(r, 20));
      await queue.shutDown();
      await running;

      const git = new GitSourceCache({ cacheDir: tree.root, allowLocal: true, onRemoteOperation: metrics.gitHook });
      await git.sync({ url: `file://${tree.root}/missing` }).catch(() => undefined);

      const body = '{}';
      await fetch(`${server.url}/hook`, {
        method: 'POST',
        headers: { 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
        body,
      });
      await fetch(`${server.url}/hook`, { method: 'POST', headers: { 'x-github-event': 'push' }, body });

      metrics.leader.set(1);
      const done = metrics.startReconcile();
      done('success');

      const res = await fetch(`${server.url}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toMatch(/^interlace_workqueue_depth 0$/m);
      expect(text).toMatch(/^interlace_workqueue_retries_total 1$/m);
      expect(text).toMatch(/^interlace_workqueue_work_duration_seconds_count\{outcome="error"\} 1$/m);
      expect(text).toMatch(/^interlace_workqueue_work_duration_seconds_count\{outcome="success"\} 1$/m);
      expect(text).toMatch(/^interlace_git_errors_total\{operation="ls-remote",reason="RepositoryNotFound"\} 1$/m);
      expect(text).toMatch(/^interlace_git_operation_duration_seconds_count\{operation="ls-remote"\} 1$/m);
      expect(text).toMatch(/^interlace_webhook_requests_total\{provider="github",outcome="ping"\} 1$/m);
      expect(text).toMatch(/^interlace_webhook_requests_total\{provider="github",outcome="unauthorized"\} 1$/m);
      expect(text).toMatch(/^interlace_leader 1$/m);
      expect(text).toMatch(/^interlace_reconcile_duration_seconds_count\{result="success"\} 1$/m);
    } finally {
      await server.close();
    }
  });
});

describe('JSON logs', () => {
  it('writes one JSON object per line with ts, level, msg, estate, revision, reason; child fields; level filter; redaction', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      write: (l) => lines.push(l),
      now: () => new Date('2025-01-02T03:04:05.000Z'),
      redact: (l) => l.replaceAll('hunter2', '***'),
    });
    const estateLog = log.child({ estate: 'shop/main' });
    estateLog.debug('not written');
    estateLog.info('applied', { revision: `main@sha1:${'a'.repeat(40)}`, reason: 'ReconciliationSucceeded', objects: 3 });
    estateLog.error('fetch failed', { reason: 'AuthenticationFailed', error: new Error('password hunter2 rejected\nsecond line') });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.endsWith('\n') && l.indexOf('\n') === l.length - 1)).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      ts: '2025-01-02T03:04:05.000Z',
      level: 'info',
      msg: 'applied',
      estate: 'shop/main',
      revision: `main@sha1:${'a'.repeat(40)}`,
      reason: 'ReconciliationSucceeded',
      objects: 3,
    });
    const error = JSON.parse(lines[1]!) as Record<string, unknown>;
    expect(error).toMatchObject({
      level: 'error',
      estate: 'shop/main',
      reason: 'AuthenticationFailed',
      error: 'password *** rejected\nsecond line',
    });
  });
});

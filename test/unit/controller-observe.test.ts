// /healthz, /readyz and /metrics over real HTTP, metrics fed by the real work queue, git source and
// webhook receiver through their hooks, and one-JSON-object-per-line logs.
import { createHmac } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createControllerMetrics } from '../../controller/observe/controller-metrics.ts';
import { controllerChecks, startHealthServer } from '../../controller/observe/health-server.ts';
import { RequestCounter } from '../../controller/apply/index.ts';
import { startHttpServer } from '../../lib/http-server.ts';
import { connect } from 'node:net';
import { WorkQueue } from '../../controller/reconcile/work-queue.ts';
import { GitSourceCache } from '../../language/source/git-source.ts';
import { createWebhookHandler } from '../../language/source/webhook-receiver.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const tree = tempTree({});
afterAll(() => tree.cleanup());

describe('health server', () => {
  it('answers like kube-apiserver: /healthz always, /readyz by informer sync and leader election, ?verbose lists each check', async () => {
    let synced = false;
    let connected = false;
    let stopping = false;
    const server = await startHealthServer({
      port: 0,
      checks: controllerChecks({
        informer: { hasSynced: () => synced },
        leaderElection: () => ({ connected: () => connected }),
        stopping: () => stopping,
      }),
    });
    const get = async (path: string) => {
      const res = await fetch(`${server.url}${path}`);
      return { status: res.status, text: await res.text() };
    };
    try {
      expect(await get('/healthz')).toEqual({ status: 200, text: 'ok\n' });
      expect(await get('/livez?verbose')).toEqual({ status: 200, text: '[+]ping ok\nlivez check passed\n' });
      expect(await get('/readyz')).toEqual({
        status: 503,
        text:
          '[+]ping ok\n[-]informer-sync failed: the Estate informer has not synced yet\n' +
          '[-]leader-election failed: leader election cannot reach the API server\n[+]shutdown ok\nreadyz check failed\n',
      });
      synced = true;
      expect((await get('/readyz')).status).toBe(503);
      expect(await get('/readyz/informer-sync')).toEqual({ status: 200, text: 'ok\n' });
      expect((await get('/readyz?exclude=leader-election')).status).toBe(200);
      connected = true;
      expect(await get('/readyz')).toEqual({ status: 200, text: 'ok\n' });
      expect(await get('/readyz?verbose')).toEqual({
        status: 200,
        text: '[+]ping ok\n[+]informer-sync ok\n[+]leader-election ok\n[+]shutdown ok\nreadyz check passed\n',
      });
      stopping = true;
      expect((await get('/readyz')).status).toBe(503);
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/readyz/nope')).status).toBe(404);
      expect((await get('/metrics')).status).toBe(404);
      expect((await get('/nope')).status).toBe(404);
      expect((await fetch(`${server.url}/readyz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('is a hardened server: a client trickling headers is cut off at the headers timeout', async () => {
    const server = await startHealthServer({ port: 0, checks: [], headersTimeoutMs: 300 });
    try {
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n'));
        let text = '';
        socket.on('data', (d) => {
          text += d.toString();
        });
        socket.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await server.close();
    }
  });

  it('serves Prometheus metrics fed by the queue, the git source, the webhook receiver and the API client', async () => {
    const metrics = createControllerMetrics({ processMetrics: false });
    const secret = 'k';
    const server = await startHealthServer({ port: 0, checks: [], registry: metrics.registry });
    const webhook = await startHttpServer({
      port: 0,
      handler: createWebhookHandler({ secrets: () => [{ id: 'ns/e', token: secret }], onPush: () => {}, onRequest: metrics.webhookHook }),
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
      await fetch(`${webhook.url}/hook`, {
        method: 'POST',
        headers: { 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
        body,
      });
      await fetch(`${webhook.url}/hook`, { method: 'POST', headers: { 'x-github-event': 'push' }, body });

      metrics.leader.set(1);
      const done = metrics.startReconcile();
      done('done');
      const counter = new RequestCounter();
      counter.onRecord = metrics.kubeRequestHook;
      counter.record('PATCH', '/apis/apps/v1/namespaces/shop/deployments/route-a?fieldManager=x');
      counter.record('PATCH', '/apis/apps/v1/namespaces/shop/deployments/route-a?dryRun=All');
      counter.record('GET', '/api/v1/namespaces/shop/secrets/git');

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
      expect(text).toMatch(/^interlace_reconcile_duration_seconds_count\{result="done"\} 1$/m);
      expect(text).toMatch(/^interlace_reconcile_total\{result="done"\} 1$/m);
      expect(text).toMatch(/^interlace_kube_requests_total\{method="PATCH",kind="deployments",write="true"\} 1$/m);
      expect(text).toMatch(/^interlace_kube_requests_total\{method="PATCH",kind="deployments",write="false"\} 1$/m);
      expect(text).toMatch(/^interlace_kube_requests_total\{method="GET",kind="secrets",write="false"\} 1$/m);
      expect(text).toMatch(/^interlace_gate_worker_peak_rss_bytes 0$/m);
    } finally {
      await server.close();
      await webhook.close();
    }
  });
});

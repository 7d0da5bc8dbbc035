import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RuntimeMetrics } from './metrics.ts';

/** One readiness check: the backbone is connected, subscriptions are running, a JWKS was fetched… */
export type ReadinessCheck = () => { ok: boolean; detail?: string } | Promise<{ ok: boolean; detail?: string }>;

/**
 * `/metrics` (Prometheus text), `/healthz` (the process is alive and its event loop turns) and
 * `/readyz` (every readiness check passes; 503 with the failing checks otherwise, so Kubernetes stops
 * sending traffic to a worker that cannot do its work — not "Ready while crash-looping").
 * Returns false when the request is not for one of these paths.
 */
export function createObserveEndpoints(
  metrics: RuntimeMetrics,
  checks: Readonly<Record<string, ReadinessCheck>>,
  beforeScrape: () => Promise<void> = async () => {},
) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/metrics') {
      await beforeScrape().catch(() => {});
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return true;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return true;
    }
    if (path === '/readyz') {
      const results: Record<string, { ok: boolean; detail?: string }> = {};
      for (const [name, check] of Object.entries(checks)) {
        try {
          results[name] = await check();
        } catch (error) {
          results[name] = { ok: false, detail: (error as Error).message };
        }
      }
      const ok = Object.values(results).every((r) => r.ok);
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ready' : 'not-ready', checks: results }));
      return true;
    }
    return false;
  };
}

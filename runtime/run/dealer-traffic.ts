/**
 * Dealers asking the governed APIs while a run goes on: every tick a few `GET
 * /order-status/v1/orders/{n}` for orders they submitted, `GET /availability/v2/products/{sku}/
 * availability/{warehouse}` with tokens from the local identity provider, and the deprecated
 * `GET /availability/v1/products/{sku}/availability` with the demo dealer's API key (as dealers
 * that have not moved yet still do), through the run's gateway.
 * It makes the APIs' rows of the live view move; answers are not judged here (tests do that).
 */
import { DEMO_DEALER_KEY } from '../simulate/simulation.ts';
import type { Simulation } from '../simulate/simulation.ts';
import { SKUS } from '../simulate/world.ts';

export function startDealerTraffic(
  sim: Simulation,
  gatewayUrl: string,
  options: { intervalMs?: number; perTick?: number } = {},
): () => void {
  const orderToken = sim.identity.token({ audience: 'api://interlace/order-status', scopes: ['orders:read'], client: 'dealer-app' });
  const availabilityToken = sim.identity.token({
    audience: 'api://interlace/availability',
    scopes: ['inventory:read'],
    client: 'dealer-app',
  });
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const orders = [...sim.dealerPortal.submitted.keys()];
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < (options.perTick ?? 3) && orders.length > 0; i++) {
      const n = orders[Math.floor(Math.random() * orders.length)]!;
      calls.push(
        fetch(`${gatewayUrl}/order-status/v1/orders/${encodeURIComponent(n)}`, { headers: { authorization: `Bearer ${orderToken}` } })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined),
      );
    }
    const sku = SKUS[Math.floor(Math.random() * SKUS.length)]!;
    calls.push(
      fetch(`${gatewayUrl}/availability/v2/products/${encodeURIComponent(sku.sku)}/availability/${sku.warehouse}`, {
        headers: { authorization: `Bearer ${availabilityToken}` },
      })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined),
    );
    calls.push(
      fetch(`${gatewayUrl}/availability/v1/products/${encodeURIComponent(sku.sku)}/availability`, {
        headers: { 'x-api-key': DEMO_DEALER_KEY },
      })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined),
    );
    void Promise.all(calls).finally(() => {
      busy = false;
    });
  }, options.intervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}

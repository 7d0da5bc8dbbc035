import { didYouMean } from '../../lib/did-you-mean.ts';
import type { EstateIndex, SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

/** Paths the worker serves itself on the port a webhook shares (runtime/observe/endpoints.ts). */
const RESERVED_PATHS = new Set(['/metrics', '/healthz', '/readyz', '/livez']);

type Webhook = NonNullable<NonNullable<SpecDocument<'System'>['spec']['sources']>['webhook']> & {
  event: { name?: string; header?: string; field?: string; map?: Record<string, string> };
  deliveryId?: { header?: string; field?: string };
};

function webhookOf(doc: SpecDocument): Webhook | undefined {
  if (doc.kind !== 'System') return undefined;
  return doc.spec.sources?.webhook as Webhook | undefined;
}

/**
 * What the schema cannot say about `System.spec.sources.webhook` (runtime/adapters/webhook): the event
 * comes from exactly one place (`name`, `header` or `field`), the delivery id from at most one, and
 * the path is not one the worker serves itself.
 */
export function checkWebhookSource(doc: SpecDocument, report: Reporter): void {
  const webhook = webhookOf(doc);
  if (!webhook) return;
  const at = ['spec', 'sources', 'webhook'];
  const eventFrom = (['name', 'header', 'field'] as const).filter((k) => webhook.event[k] !== undefined);
  if (eventFrom.length > 1) {
    report.add(
      doc,
      'webhook-source-invalid',
      [...at, 'event', eventFrom[1]!],
      `the webhook's event is given ${eventFrom.map((k) => `by \`${k}\``).join(' and ')}; a delivery's event comes from one place`,
      'Keep one: `name` when every delivery is the same event, `header` (X-Shopify-Topic) or `field` (changeType) when the platform says which.',
    );
  }
  if (webhook.deliveryId?.header !== undefined && webhook.deliveryId.field !== undefined) {
    report.add(
      doc,
      'webhook-source-invalid',
      [...at, 'deliveryId', 'field'],
      "the webhook's delivery id is given by both `header` and `field`",
      'Keep the one the platform keeps through its retries (Shopify: header X-Shopify-Webhook-Id).',
    );
  }
  if (RESERVED_PATHS.has(webhook.path)) {
    report.add(
      doc,
      'webhook-source-invalid',
      [...at, 'path'],
      `the webhook path ${webhook.path} is served by the worker itself`,
      `Use a path of its own, e.g. /webhooks/${doc.name}.`,
    );
  }
  if (
    webhook.deliveryId?.header &&
    webhook.signature &&
    webhook.deliveryId.header.toLowerCase() === webhook.signature.header.toLowerCase()
  ) {
    report.add(
      doc,
      'webhook-source-invalid',
      [...at, 'deliveryId', 'header'],
      `the delivery id header ${webhook.deliveryId.header} is the signature header`,
      'A signature changes with every body; name the header that carries the delivery id (Shopify: X-Shopify-Webhook-Id).',
    );
  }
}

/**
 * Every event a webhook names (`event.name`, the values of `event.map`) is consumed by a route of its
 * System; one that is not is dropped at run time, so it is reported with the routed event it most
 * likely means. A warning: a platform may send topics on purpose that no route wants yet.
 */
export function checkWebhookRouting(index: EstateIndex, report: Reporter): void {
  for (const system of index.ofKind('System')) {
    const webhook = webhookOf(system);
    if (!webhook || system.failedSchema) continue;
    const routed = new Set<string>();
    for (const route of index.ofKind('EventRoute'))
      if (route.spec.source?.system === system.name && typeof route.spec.source.event === 'string') routed.add(route.spec.source.event);
    const named: { event: string; path: (string | number)[] }[] = [];
    if (webhook.event.name) named.push({ event: webhook.event.name, path: ['spec', 'sources', 'webhook', 'event', 'name'] });
    for (const [platform, event] of Object.entries(webhook.event.map ?? {}))
      named.push({ event, path: ['spec', 'sources', 'webhook', 'event', 'map', platform] });
    for (const { event, path } of named) {
      if (routed.has(event)) continue;
      const guess = didYouMean(event, [...routed]);
      report.add(
        system,
        'webhook-event-unrouted',
        path,
        `no route consumes ${system.name}'s event \`${event}\`: its deliveries are answered 200 and dropped`,
        guess
          ? `Did you mean \`${guess}\`?`
          : routed.size > 0
            ? `Routes consume ${[...routed].map((e) => `\`${e}\``).join(', ')} from ${system.name}; add a route with source.event: ${event}, or map to one of those.`
            : `Add an EventRoute with source: { system: ${system.name}, event: ${event} }.`,
      );
    }
  }
}

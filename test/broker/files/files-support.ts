// What the file source tests share: a System with file pickups and the routes that consume its events,
// a reader of what the backbone stored, and waiting for a condition.
import type { EventRoute, System } from '../../../language/kinds/generated/kinds.ts';
import type { Backbone } from '../../../runtime/backbone/backbone.ts';

export function partnerSystem(files: unknown[]): System {
  return {
    apiVersion: 'interlace.dev/v1alpha1',
    kind: 'System',
    metadata: { name: 'partner' },
    spec: { type: 'edi-partner', hosting: 'cloud', endpoint: { protocol: 'file', directory: '/unused' }, sources: { files } },
  } as unknown as System;
}

/** A route consuming `partner`'s `event`, with one topic target (its dead-letter topic: `dlq.<route>.<target>`). */
export function routeFor(name: string, event: string): EventRoute {
  return {
    apiVersion: 'interlace.dev/v1alpha1',
    kind: 'EventRoute',
    metadata: { name },
    spec: { owner: 'team', source: { system: 'partner', event, contract: 'x@1' }, targets: [{ name: 'out', topic: `${name}.out` }] },
  } as unknown as EventRoute;
}

/** Every message stored on a topic: its message id and parsed payload. */
export async function stored(backbone: Backbone, topic: string): Promise<{ id: string; payload: Record<string, unknown> }[]> {
  const out: { id: string; payload: Record<string, unknown> }[] = [];
  for (let from = 1; ; ) {
    let batch: Awaited<ReturnType<Backbone['read']>>;
    try {
      batch = await backbone.read(topic, from, 500);
    } catch {
      return out;
    }
    if (batch.length === 0) return out;
    for (const m of batch) out.push({ id: m.messageId ?? '', payload: JSON.parse(Buffer.from(m.payload).toString('utf8')) });
    from = batch[batch.length - 1]!.sequence + 1;
  }
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

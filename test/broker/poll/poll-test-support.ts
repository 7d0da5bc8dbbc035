// What the poller tests share: a SourceContext that publishes to one topic of a real backbone with the
// message id the worker's context uses, a reader of what the backbone stored, and a fetch that records
// every call (time, method, URL, status) so a test can see Retry-After honoured and paging followed.
import type { AdapterState } from '../../../runtime/adapters/adapter-state.ts';
import type { SourceContext } from '../../../runtime/adapters/source-adapter.ts';
import type { Backbone } from '../../../runtime/backbone/backbone.ts';
import { silentLogger } from '../../../lib/log.ts';

export function backboneContext(
  backbone: Backbone,
  topic: string,
  state: AdapterState,
  signal: AbortSignal,
  beforePublish?: (messageId: string) => void,
  afterPublish?: (messageId: string) => void,
): SourceContext {
  return {
    system: 'polled-erp',
    state,
    log: silentLogger,
    signal,
    count() {},
    async publish(event, payload, messageId) {
      const id = `polled-erp:${event}:${messageId}`;
      beforePublish?.(id);
      await backbone.publish(topic, Buffer.from(JSON.stringify(payload)), { messageId: id });
      afterPublish?.(id);
      return true;
    },
  } as SourceContext;
}

/** Every message stored on the topic: its message id and payload. */
export async function storedMessages(backbone: Backbone, topic: string): Promise<{ id: string; payload: Record<string, unknown> }[]> {
  const out: { id: string; payload: Record<string, unknown> }[] = [];
  for (let from = 1; ; ) {
    const batch = await backbone.read(topic, from, 500);
    if (batch.length === 0) return out;
    for (const m of batch) out.push({ id: m.messageId ?? '', payload: JSON.parse(Buffer.from(m.payload).toString('utf8')) });
    from = batch[batch.length - 1]!.sequence + 1;
  }
}

export interface RecordedCall {
  at: number;
  method: string;
  url: URL;
  status: number;
}

export function recordingFetch(calls: RecordedCall[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    calls.push({ at: Date.now(), method: init?.method ?? 'GET', url: new URL(String(input)), status: response.status });
    return response;
  };
}

export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000, everyMs = 25): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

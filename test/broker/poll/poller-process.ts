// The poller as its own process, for the kill -9 test: one PollSource on a real nats-server, its
// watermark in the ADAPTERS Key-Value bucket. argv: nats URL, topic, System spec (JSON), and a
// publish delay step in ms: the n-th publish of a batch waits (n mod 20) × step before it is sent, so
// a page's rows are stored one after another and a kill lands while a page is half stored. Prints
// `started`, then one line per publish (`published <id>` or `duplicate <id>`), so the test can see
// repeated publishes that the backbone absorbed.
import { KvAdapterState } from '../../../runtime/adapters/adapter-state.ts';
import type { SourceContext } from '../../../runtime/adapters/source-adapter.ts';
import { createPollSources } from '../../../runtime/adapters/sources/poll/poll-source.ts';
import { openJetStreamBackbone } from '../../../runtime/backbone/jetstream-backbone.ts';
import type { System } from '../../../language/kinds/generated/kinds.ts';
import { silentLogger } from '../../../lib/log.ts';

const [url, topic, specText, stepText] = process.argv.slice(2) as [string, string, string, string | undefined];
const step = Number(stepText ?? 0);
let publishes = 0;
const spec = JSON.parse(specText) as System['spec'];
const backbone = await openJetStreamBackbone({ servers: url, name: 'poller-process' });
const state = new KvAdapterState(await backbone.keyValue('ADAPTERS', 0), `polled-erp/${topic}`);
const context = {
  system: 'polled-erp',
  state,
  log: silentLogger,
  signal: new AbortController().signal,
  count() {},
  async publish(event: string, payload: unknown, messageId: string) {
    const id = `polled-erp:${event}:${messageId}`;
    await new Promise((r) => setTimeout(r, (publishes++ % 20) * step));
    const result = await backbone.publish(topic, Buffer.from(JSON.stringify(payload)), { messageId: id });
    process.stdout.write(`${result.duplicate ? 'duplicate' : 'published'} ${id}\n`);
    return true;
  },
} as SourceContext;
for (const source of createPollSources('polled-erp', spec, { backoff: { initialMs: 20, maxMs: 200, maxRetryAfterMs: 5000 } })) {
  await source.start(context);
}
process.stdout.write('started\n');

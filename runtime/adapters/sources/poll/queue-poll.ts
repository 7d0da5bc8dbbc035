import { percentEncode } from '../../../http/system-client.ts';
import type { PollCycleContext, PollCycleResult } from './poll-cycle.ts';
import { PollStateConflict, publishAll } from './poll-cycle.ts';
import { PollResponseError } from './odata-page.ts';
import { pollMessageId } from './poll-message-id.ts';
import type { QueuePollSettings } from './poll-settings.ts';

/** Entry ids longer than this are refused (they become URL segments and message ids). */
const MAX_ID_LENGTH = 512;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The entries of a queue read: at `entries` (dotted), else the body when it is a list, else `value`. */
function entriesOf(body: unknown, settings: QueuePollSettings, what: string): Record<string, unknown>[] {
  let list: unknown = body;
  if (settings.entries !== undefined) {
    for (const part of settings.entries.split('.')) list = isRecord(list) && Object.hasOwn(list, part) ? list[part] : undefined;
  } else if (!Array.isArray(body)) {
    list = isRecord(body) ? body.value : undefined;
  }
  if (!Array.isArray(list)) throw new PollResponseError(`${what}: expected a list of entries at \`${settings.entries ?? 'value'}\``);
  for (const entry of list) if (!isRecord(entry)) throw new PollResponseError(`${what}: an entry is not an object`);
  return list as Record<string, unknown>[];
}

function idOf(entry: Record<string, unknown>, settings: QueuePollSettings, what: string): string {
  const value = entry[settings.idField];
  if ((typeof value !== 'string' && typeof value !== 'number') || String(value).length === 0 || String(value).length > MAX_ID_LENGTH) {
    throw new PollResponseError(`${what}: an entry has no usable \`${settings.idField}\` (got ${JSON.stringify(value) ?? 'nothing'})`);
  }
  return String(value);
}

function parseIds(text: string | undefined): string[] {
  if (text === undefined) return [];
  const value = JSON.parse(text) as unknown;
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string')) {
    throw new Error(`the stored pending acknowledgements are not a list of ids: ${text.slice(0, 200)}`);
  }
  return value;
}

/**
 * Acknowledges the ids recorded as published but not yet acknowledged, then clears the record. An
 * entry the queue no longer has (404/410: an earlier acknowledgement went through before a crash)
 * counts as acknowledged.
 */
async function acknowledgePending(context: PollCycleContext, settings: QueuePollSettings, key: string): Promise<void> {
  const text = await context.state.get(key);
  const ids = parseIds(text);
  if (ids.length === 0) return;
  if (settings.ackPath.includes('{id}')) {
    for (const id of ids) {
      await context.http.send(
        settings.ackMethod,
        context.http.urlOf(settings.ackPath.replaceAll('{id}', percentEncode(id))),
        undefined,
        true,
      );
    }
  } else {
    await context.http.send(settings.ackMethod, context.http.urlOf(settings.ackPath), { ids }, true);
  }
  if (!(await context.state.update(key, text, '[]'))) throw new PollStateConflict(`the acknowledgements of poll ${context.settings.name}`);
}

/**
 * One read of an event queue: first the acknowledgements a crash left behind, then a batch read,
 * each entry published (message id: System, poll, entry id), the batch's ids recorded durably as
 * "published, to acknowledge", the acknowledgements sent, and the record cleared. Nothing is
 * acknowledged before its publish resolved; a crash before the record re-reads the entries, and the
 * backbone drops the repeated publishes by message id.
 */
export async function pollQueueOnce(context: PollCycleContext): Promise<PollCycleResult> {
  const { settings, http, state, publish } = context;
  const queue = settings.queue;
  if (!queue) throw new Error(`poll ${settings.name} has no queue settings`);
  const key = `${settings.name}/acks`;
  await acknowledgePending(context, queue, key);
  const sep = queue.path.includes('?') ? '&' : '?';
  const url = http.urlOf(`${queue.path}${sep}$top=${queue.batchSize}`);
  const what = `${settings.system} poll ${settings.name} GET ${url.pathname}`;
  const entries = entriesOf(await http.getJson(url), queue, what).map((entry) => ({
    id: idOf(entry, queue, what),
    payload: queue.payloadField === undefined ? entry : entry[queue.payloadField],
  }));
  if (entries.length === 0) return { published: 0, more: false };
  await publishAll(entries, ({ id, payload }) => publish(settings.event, payload, pollMessageId(settings.name, id)));
  const before = await state.get(key);
  const ids = [...new Set([...parseIds(before), ...entries.map((e) => e.id)])];
  if (!(await state.update(key, before, JSON.stringify(ids)))) throw new PollStateConflict(`the acknowledgements of poll ${settings.name}`);
  await acknowledgePending(context, queue, key);
  // A non-empty batch: the queue may hold more; read again at once until it answers empty.
  return { published: entries.length, more: true };
}

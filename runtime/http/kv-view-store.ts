import type { KV } from '@nats-io/kv';
import type { ViewStore } from './view-store.ts';

interface ViewRow {
  document: unknown;
  sequence: number;
}

/** KV keys allow `[-/_=.A-Za-z0-9]`: view names and keys are stored base64url-encoded, `<view>.<key>`. */
function rowKey(view: string, key: string): string {
  return `${Buffer.from(view).toString('base64url')}.${Buffer.from(key).toString('base64url') || '_'}`;
}

function isConflict(error: unknown): boolean {
  return /wrong last sequence|key exists/i.test(String((error as { message?: unknown })?.message ?? error));
}

/**
 * API views in a JetStream Key-Value bucket (issue 12, part 3): the view feeders of all replicas write
 * here (their shared durable consumer hands each event to one of them) and every replica reads here, so
 * each answers for every key, and a pod that starts with an empty disk knows everything at once. A row
 * keeps the backbone sequence of its event; a write is a compare-and-set on the row's revision, so an
 * older event (a late redelivery, a slower replica) never overwrites a newer state. The bucket's
 * max-age drops rows not updated for that long.
 */
export class KvViewStore implements ViewStore {
  private readonly bucket: KV;

  constructor(bucket: KV) {
    this.bucket = bucket;
  }

  async put(view: string, key: string, document: unknown, sequence: number): Promise<boolean> {
    const id = rowKey(view, key);
    const value = Buffer.from(JSON.stringify({ document, sequence } satisfies ViewRow));
    for (;;) {
      const entry = await this.bucket.get(id);
      const current = entry?.operation === 'PUT' && entry.value.length > 0 ? (entry.json() as ViewRow) : undefined;
      if (current && current.sequence > sequence) return false;
      try {
        if (entry && current) await this.bucket.update(id, value, entry.revision);
        else await this.bucket.create(id, value);
        return true;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }

  async get(view: string, key: string): Promise<unknown> {
    const entry = await this.bucket.get(rowKey(view, key));
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    return (entry.json() as ViewRow).document;
  }

  async size(view: string): Promise<number> {
    let n = 0;
    for await (const _ of await this.bucket.keys(`${Buffer.from(view).toString('base64url')}.>`)) n++;
    return n;
  }

  /** The bucket belongs to the backbone's connection, which the caller closes. */
  close(): void {}
}

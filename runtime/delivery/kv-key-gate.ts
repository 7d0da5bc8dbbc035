import type { KV } from '@nats-io/kv';
import { decode, encode, isConflict, kvKey } from './kv-idempotency-store.ts';

/** Where a key stands: the source sequence of its last decided message, and the record's revision. */
export interface GatePosition {
  sequence: number;
  revision: number;
}

/**
 * The per-key gate every replica of a route target shares (key-turns.ts): for each ordering key, the
 * source sequence of the key's last decided message (delivered, dead-lettered, parked or found a
 * duplicate). It only moves forward, and only by compare-and-set, so a late writer (a redelivery found
 * to be a duplicate long after) never moves a key back.
 */
export interface KeyGateStore {
  read(scope: string, key: string): Promise<GatePosition | undefined>;
  /**
   * Moves the key to `sequence` unless it stands there or beyond already; `known` (a position read or
   * written before) saves a read. Returns where the key stands afterwards.
   */
  advance(scope: string, key: string, sequence: number, known?: GatePosition): Promise<GatePosition>;
}

/** The gate in the JetStream Key-Value bucket `INTERLACE_KEY_GATES`, one record per scope and key. */
export class KvKeyGateStore implements KeyGateStore {
  private readonly bucket: KV;

  constructor(bucket: KV) {
    this.bucket = bucket;
  }

  async read(scope: string, key: string): Promise<GatePosition | undefined> {
    const entry = await this.bucket.get(kvKey(scope, key));
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    return { sequence: decode<{ sequence: number }>(entry.value).sequence, revision: entry.revision };
  }

  async advance(scope: string, key: string, sequence: number, known?: GatePosition): Promise<GatePosition> {
    let current = known;
    for (;;) {
      if (current && current.sequence >= sequence) return current;
      const value = encode({ sequence });
      try {
        const revision = current
          ? await this.bucket.update(kvKey(scope, key), value, current.revision)
          : await this.bucket.create(kvKey(scope, key), value);
        return { sequence, revision };
      } catch (error) {
        if (!isConflict(error)) throw error;
        // Someone else moved the key (or our revision was stale): decide again on what is stored.
        current = await this.read(scope, key);
      }
    }
  }
}

import { join } from 'node:path';
import type { KV } from '@nats-io/kv';
import type { Backbone } from '../backbone/backbone.ts';
import { JetStreamBackbone } from '../backbone/jetstream-backbone.ts';
import { KvAdapterState, SqliteAdapterState } from './adapter-state.ts';
import type { AdapterState } from './adapter-state.ts';

/**
 * How long the ADAPTERS bucket keeps a key after its last write: long enough for a file target's
 * written names and a webhook's delivery ids (remembered at most 30 days).
 */
const ADAPTERS_MAX_AGE_MS = 35 * 24 * 3_600_000;

const buckets = new WeakMap<JetStreamBackbone, Promise<KV>>();
/** One connection per state file and scope: a hot reload that assembles the routes again reuses it instead of leaking one. */
const sqliteStates = new Map<string, SqliteAdapterState>();

/**
 * The AdapterState of one adapter (`scope`, e.g. `files/finance`): the ADAPTERS Key-Value bucket on a
 * NATS backbone (shared by every replica), `<stateDir>/adapters.db` on the embedded one.
 */
export async function openAdapterState(backbone: Backbone, stateDir: string | undefined, scope: string): Promise<AdapterState> {
  if (backbone instanceof JetStreamBackbone) {
    let bucket = buckets.get(backbone);
    if (!bucket) {
      bucket = backbone.keyValue('ADAPTERS', ADAPTERS_MAX_AGE_MS);
      buckets.set(backbone, bucket);
    }
    return new KvAdapterState(await bucket, scope);
  }
  if (stateDir === undefined) throw new Error(`adapter state ${scope}: the embedded backbone needs a state directory`);
  const path = join(stateDir, 'adapters.db');
  const key = `${path}\u0000${scope}`;
  let state = sqliteStates.get(key);
  if (!state) {
    state = new SqliteAdapterState(path, scope);
    sqliteStates.set(key, state);
  }
  return state;
}

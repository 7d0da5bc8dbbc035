import type { System } from '../../../../language/kinds/generated/kinds.ts';
import { parseDuration } from '../../../../lib/duration.ts';

/** One entry of `System.spec.sources.poll`, as the schema admits it. */
export type PollSpec = NonNullable<NonNullable<System['spec']['sources']>['poll']>[number];

/** An OData collection read with a watermark, with every default filled in. */
export interface ODataPollSettings {
  readonly version: 'v2' | 'v4';
  readonly path: string;
  readonly key: readonly string[];
  readonly modifiedField: string;
  readonly modifiedType: 'DateTimeOffset' | 'DateTime';
  readonly filter: string | undefined;
  readonly expand: readonly string[];
  readonly select: readonly string[];
  readonly pageSize: number;
  /** Epoch ms where a poll with no watermark starts; undefined: every row. */
  readonly sinceMs: number | undefined;
}

/** A read-then-acknowledge event queue, with every default filled in. */
export interface QueuePollSettings {
  readonly path: string;
  readonly entries: string | undefined;
  readonly idField: string;
  readonly payloadField: string | undefined;
  readonly batchSize: number;
  readonly ackMethod: 'DELETE' | 'POST' | 'PUT' | 'PATCH';
  readonly ackPath: string;
}

/** One poll, resolved: durations in milliseconds, exactly one of `odata` or `queue`. */
export interface PollSettings {
  readonly system: string;
  readonly name: string;
  readonly event: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly odata?: ODataPollSettings;
  readonly queue?: QueuePollSettings;
}

export const DEFAULT_INTERVAL_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_PAGE_SIZE = 100;

function durationMs(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const parsed = parseDuration(text);
  // Validation has already refused a bad duration (the schema's pattern); a bundle edited by hand
  // falls back rather than stalling the poll.
  return parsed.ok ? parsed.ms : fallback;
}

/**
 * Fills the defaults of one poll entry of a validated System. Validation (check-poll-sources.ts)
 * guarantees exactly one of `odata` and `queue`; an entry with neither is returned without either
 * and the adapter refuses to start it.
 */
export function resolvePollSettings(system: string, spec: System['spec'], entry: PollSpec): PollSettings {
  const timeoutMs = durationMs(entry.timeout ?? spec.limits?.timeout, DEFAULT_TIMEOUT_MS);
  const base = {
    system,
    name: entry.name,
    event: entry.event,
    intervalMs: durationMs(entry.interval, DEFAULT_INTERVAL_MS),
    timeoutMs,
    maxResponseBytes: entry.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  };
  if (entry.odata) {
    const o = entry.odata;
    const version = o.version ?? (spec.endpoint.format === 'odata-v2' ? 'v2' : 'v4');
    const since = o.since === undefined ? undefined : Date.parse(o.since);
    return {
      ...base,
      odata: {
        version,
        path: o.path,
        key: o.key,
        modifiedField: o.modifiedField,
        modifiedType: o.modifiedType ?? 'DateTimeOffset',
        filter: o.filter,
        expand: o.expand ?? [],
        select: o.select ?? [],
        pageSize: o.pageSize ?? DEFAULT_PAGE_SIZE,
        sinceMs: since === undefined || Number.isNaN(since) ? undefined : since,
      },
    };
  }
  if (entry.queue) {
    const q = entry.queue;
    return {
      ...base,
      queue: {
        path: q.path,
        entries: q.entries,
        idField: q.idField,
        payloadField: q.payloadField,
        batchSize: q.batchSize ?? DEFAULT_PAGE_SIZE,
        ackMethod: q.ack.method ?? 'DELETE',
        ackPath: q.ack.path,
      },
    };
  }
  return base;
}

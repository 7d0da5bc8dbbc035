/**
 * The journey index of `interlace run`: one JSON line per step a message takes through a route target
 * (delivered, retried, a duplicate suppressed, dead-lettered, parked), with its time, route, target,
 * the Systems at both ends and the business keys the estate's contracts declare — so
 * `interlace trace <order number>` can tell where one order went, from the run's state folder, after
 * the fact. It is fed by the run's JSON log lines (the route consumers already log every outcome with
 * the business keys), so the delivery path has nothing new to call.
 *
 * What is kept is an allow-list: the business keys of contracts whose path is not classified `pii` or
 * `confidential` (the runtime never logs those, and a key name a contract declares only on a protected
 * field is not kept either), and a few technical fields (reason codes, status, attempts). Never a
 * payload field, an error message or an idempotency key.
 */
import { appendFileSync, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogLevel, LogSink } from '../../lib/log.ts';
import { unclassifiedBusinessKeys } from '../observe/business-keys.ts';
import type { WorkerEstate } from '../worker/estate.ts';

export interface JourneyStep {
  /** ISO time the step was logged. */
  time: string;
  route: string;
  target?: string;
  /** Where the route's events come from and where the target puts them: a System, or `topic <name>`. */
  from?: string;
  to?: string;
  /** delivered, retrying, failed, duplicate, dead-lettered, parked, redelivered, or the log's own words. */
  outcome: string;
  reason?: string;
  status?: number;
  attempts?: number;
  /** Business keys of the message (`order_number`, `warehouse`, …). */
  keys: Record<string, string>;
}

/** Where a run keeps its journey index. */
export function journeyFile(runDir: string): string {
  return join(runDir, 'journeys.jsonl');
}

/** How much of the index `readJourney` scans at most (the newest part), so a long run's file never stalls a trace. */
export const JOURNEY_READ_MAX_BYTES = 64 * 1024 * 1024;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const OUTCOMES: readonly [RegExp, string][] = [
  [/^delivered$/, 'delivered'],
  [/^duplicate suppressed/, 'duplicate'],
  [/^attempt failed; retrying$/, 'retrying'],
  [/^attempt failed$/, 'failed'],
  [/^the circuit's trial call failed/, 'retrying'],
  [/^dead-lettered behind its parked key$/, 'parked'],
  [/^dead-lettered$/, 'dead-lettered'],
  [/^redelivered$/, 'redelivered'],
];

export class JourneyIndex {
  private readonly file: string;
  private keyNames = new Set<string>();
  private sources = new Map<string, string>();
  private targets = new Map<string, string>();
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(runDir: string) {
    this.file = journeyFile(runDir);
  }

  /**
   * Learns the estate: which business-key names may be kept (declared on an unprotected path by some
   * contract) and which Systems each route and target connect. Lines before this are not indexed.
   */
  configure(estate: WorkerEstate): void {
    const names = new Set<string>();
    for (const contract of estate.contracts) {
      const spec = contract.spec as { businessKeys?: Record<string, string>; classification?: Record<string, string> };
      for (const name of Object.keys(unclassifiedBusinessKeys(spec.businessKeys, spec.classification) ?? {})) names.add(name);
    }
    // A name declared on a protected path anywhere is dropped everywhere: the log line does not say which contract it came from.
    for (const contract of estate.contracts) {
      const spec = contract.spec as { businessKeys?: Record<string, string>; classification?: Record<string, string> };
      const kept = unclassifiedBusinessKeys(spec.businessKeys, spec.classification) ?? {};
      for (const name of Object.keys(spec.businessKeys ?? {})) if (!(name in kept)) names.delete(name);
    }
    this.keyNames = names;
    // A route reads from a System or a backbone topic, and each target writes to one of them.
    const end = (side: { system?: string | undefined; topic?: string | undefined }) =>
      side.system ?? (side.topic ? `topic ${side.topic}` : undefined);
    this.sources = new Map(
      estate.routes.flatMap((r) => {
        const from = end(r.spec.source as { system?: string; topic?: string });
        return from ? [[r.metadata.name, from] as const] : [];
      }),
    );
    this.targets = new Map(
      estate.routes.flatMap((r) =>
        r.spec.targets.flatMap((t) => {
          const to = end(t as { system?: string; topic?: string });
          return to ? [[`${r.metadata.name}/${t.name}`, to] as const] : [];
        }),
      ),
    );
  }

  /**
   * A log sink that indexes every line (the logger must write at debug: `delivered` is a debug line)
   * and passes those at `level` or above to `next`.
   */
  sink(next: LogSink, level: LogLevel): LogSink {
    const min = LEVELS[level];
    return (line) => {
      let event: Record<string, unknown> | undefined;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        event = undefined;
      }
      if (event) this.index(event);
      if (!event || (LEVELS[event.level as LogLevel] ?? LEVELS.info) >= min) next(line);
    };
  }

  /** The step one log event describes, or undefined (no route, or no business key to find it by). */
  step(event: Record<string, unknown>): JourneyStep | undefined {
    const route = typeof event.route === 'string' ? event.route : undefined;
    if (!route || typeof event.msg !== 'string') return undefined;
    const keys: Record<string, string> = {};
    for (const name of this.keyNames) {
      const value = event[name];
      if (typeof value === 'string' && value.length > 0) keys[name] = value.slice(0, 512);
    }
    if (Object.keys(keys).length === 0) return undefined;
    const target = typeof event.target === 'string' ? event.target : undefined;
    const from = this.sources.get(route);
    const to = target ? this.targets.get(`${route}/${target}`) : undefined;
    const outcome = OUTCOMES.find(([pattern]) => pattern.test(event.msg as string))?.[1] ?? (event.msg as string).slice(0, 80);
    const attempts = typeof event.attempts === 'number' ? event.attempts : typeof event.attempt === 'number' ? event.attempt : undefined;
    return {
      time: typeof event.time === 'string' ? event.time : new Date().toISOString(),
      route,
      ...(target ? { target } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      outcome,
      ...(typeof event.reason === 'string' && /^[\w:.-]{1,64}$/.test(event.reason) ? { reason: event.reason } : {}),
      ...(typeof event.status === 'number' ? { status: event.status } : {}),
      ...(attempts !== undefined ? { attempts } : {}),
      keys,
    };
  }

  private index(event: Record<string, unknown>): void {
    const step = this.step(event);
    if (!step) return;
    // Batched: one append per FLUSH_MS (a synchronous append per step cost ~25 µs on the delivery path),
    // in the order the steps were logged; what is pending when the process exits is written then.
    this.pending.push(`${JSON.stringify(step)}\n`);
    unflushed.add(this);
    if (this.pending.length >= FLUSH_LINES) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes the pending steps now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    unflushed.delete(this);
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    try {
      appendFileSync(this.file, text);
    } catch {
      // The index is a convenience; a full disk must not stop deliveries.
    }
  }
}

/** How long a step may wait to be written, and how many may wait. */
const FLUSH_MS = 50;
const FLUSH_LINES = 1000;

/** Indexes with steps not yet written: written when the process exits. */
const unflushed = new Set<JourneyIndex>();
process.once('exit', () => {
  for (const index of [...unflushed]) index.flush();
});

/**
 * The steps whose business keys include `key` (a key's value, or one of a list key's comma-joined
 * values), oldest first. Reads at most the newest {@link JOURNEY_READ_MAX_BYTES} of the index.
 */
export function readJourney(runDir: string, key: string): JourneyStep[] {
  const file = journeyFile(runDir);
  if (!existsSync(file)) return [];
  const size = statSync(file).size;
  const start = Math.max(0, size - JOURNEY_READ_MAX_BYTES);
  const buffer = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  const lines = buffer.toString('utf8').split('\n');
  if (start > 0) lines.shift(); // a partial first line
  const steps: JourneyStep[] = [];
  for (const line of lines) {
    if (!line.includes(key)) continue;
    let step: JourneyStep;
    try {
      step = JSON.parse(line) as JourneyStep;
    } catch {
      continue;
    }
    if (Object.values(step.keys ?? {}).some((value) => value === key || value.split(',').includes(key))) steps.push(step);
  }
  return steps.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

// The one logger: structured logs, one JSON object per line, so `kubectl logs | jq`, `grep` and log
// shippers read them without parsing prose. The controller and the runtime both write with it.
// Fields people filter on have fixed names: the controller's `estate`, `revision`, `reason`; the
// runtime's `route`, `target` and the contract's business keys (so one order can be followed across
// every worker). Credentials stay out twice over: values of credential-named fields are replaced at any
// depth (redactSecretFields), and an optional `redact` scrubs each finished line.
import { redactSecretFields } from './redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fields of one log event; `estate` is `namespace/name`, `reason` a machine-readable CamelCase word. */
export interface LogFields {
  estate?: string;
  revision?: string;
  reason?: string;
  /** An error is written as its message (never its stack or attached objects). */
  error?: unknown;
  readonly [field: string]: unknown;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every event (e.g. `{ estate }` for one reconcile, `{ route }` for a consumer). */
  child(fields: LogFields): Logger;
}

/** Where lines go. Gets one complete line including its `\n`. */
export type LogSink = (line: string) => void;

export interface LoggerOptions {
  /** Lowest level written (default info). */
  level?: LogLevel;
  /** Where each line goes (default process.stderr). */
  write?: LogSink;
  /** Time source (tests pass a fixed one). */
  now?: () => Date;
  /** Last line of defence: applied to every finished line, e.g. to scrub known secret values. */
  redact?: (line: string) => string;
  /** Fields on every line. */
  fields?: LogFields;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const RESERVED = new Set(['time', 'level', 'msg']);

/** A JSON-lines logger: `{"time","level","msg",...fields}` per event. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write =
    options.write ??
    ((line: string) => {
      process.stderr.write(line);
    });
  const now = options.now ?? (() => new Date());
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (ORDER[level] < min) return;
      const merged: Record<string, unknown> = {};
      for (const [key, value] of Object.entries({ ...base, ...fields })) {
        if (value === undefined || RESERVED.has(key)) continue;
        // Before redaction: an Error's message is not an own enumerable property and would be lost.
        merged[key] = key === 'error' ? errorText(value) : value;
      }
      const event = { time: now().toISOString(), level, msg, ...(redactSecretFields(merged) as Record<string, unknown>) };
      let line = `${safeStringify(event)}\n`;
      if (options.redact) line = options.redact(line);
      write(line);
    };
    return {
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

/** A logger that drops everything (the default for library code given none). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };

/** A logger that keeps its lines (parsed) for tests and for the live view. */
export function memoryLogger(level: LogLevel = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger({ level, write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }), lines };
}

function errorText(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : safeStringify(value);
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return JSON.stringify(String(value));
  }
}

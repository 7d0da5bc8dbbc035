// Structured logs: one JSON object per line, so `kubectl logs | jq` and log shippers read them
// without parsing prose. The fields people filter on (estate, revision, reason) have fixed names.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fields of one log event; `estate` is `namespace/name`, `reason` a machine-readable CamelCase word. */
export interface LogFields {
  estate?: string;
  revision?: string;
  reason?: string;
  /** An error is written as its message (never its stack or attached objects). */
  error?: unknown;
  [field: string]: unknown;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every event (e.g. `{ estate }` for one reconcile). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Lowest level written (default info). */
  level?: LogLevel;
  /** Where each line goes (default process.stdout). Gets one complete line including `\n`. */
  write?: (line: string) => void;
  /** Time source (tests pass a fixed one). */
  now?: () => Date;
  /** Last line of defence: applied to every finished line, e.g. to scrub known secret values. */
  redact?: (line: string) => string;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A JSON-lines logger: `{"ts","level","msg","estate","revision","reason",...}` per event. */
export function createLogger(options: LoggerOptions = {}, base: LogFields = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write =
    options.write ??
    ((line: string) => {
      process.stdout.write(line);
    });
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const event: Record<string, unknown> = { ts: now().toISOString(), level, msg };
    for (const [key, value] of Object.entries({ ...base, ...fields })) {
      if (value === undefined || key === 'ts' || key === 'level' || key === 'msg') continue;
      event[key] = key === 'error' ? errorText(value) : value;
    }
    let line = `${safeStringify(event)}\n`;
    if (options.redact) line = options.redact(line);
    write(line);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything (the default for library code given none). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };

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

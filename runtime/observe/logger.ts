/**
 * JSON logs: one line per event, `{time, level, msg, ...fields}`. Fields carry the route, target and
 * the contract's business keys so an operator can grep one order across every worker. Anything that
 * looks like a credential is redacted here, so a careless caller cannot leak a secret into a log.
 */

import { redactSecretFields } from '../../lib/redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where lines go: a stream (stderr by default) or, in tests, an array. */
export type LogSink = (line: string) => void;

/** Creates a JSON-lines logger. `level` drops lines below it. */
export function createLogger(options: { level?: LogLevel; sink?: LogSink; fields?: LogFields; clock?: () => number } = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const sink: LogSink = options.sink ?? ((line) => process.stderr.write(`${line}\n`));
  const clock = options.clock ?? Date.now;
  const make = (base: LogFields): Logger => {
    const write = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (ORDER[level] < min) return;
      const merged: Record<string, unknown> = { ...base, ...fields };
      // Errors first: their message is not an own enumerable property, redactSecretFields() would lose it.
      if (merged['error'] instanceof Error) merged['error'] = merged['error'].message;
      const record = redactSecretFields(merged) as Record<string, unknown>;
      sink(JSON.stringify({ time: new Date(clock()).toISOString(), level, msg, ...record }));
    };
    return {
      debug: (msg, fields) => write('debug', msg, fields),
      info: (msg, fields) => write('info', msg, fields),
      warn: (msg, fields) => write('warn', msg, fields),
      error: (msg, fields) => write('error', msg, fields),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

/** A logger that keeps its lines (parsed) for tests and for the live view. */
export function memoryLogger(level: LogLevel = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger({ level, sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }), lines };
}

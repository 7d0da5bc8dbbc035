/**
 * The one error a generated mapping throws: the message cannot be mapped (a lookup has no entry, a
 * number or date does not parse, an envelope is missing). The runtime treats it as a permanent
 * failure — a contract violation goes to the dead letter, never to a retry.
 */
export class MappingError extends Error {
  /** Stable code for dead letters and metrics. */
  readonly code: string;
  /** The target field being made when it failed, as written in the mapping (`lines[].quantity`). */
  readonly target: string;
  /** The offending source value (kept as data, for the dead letter). */
  readonly value: unknown;

  constructor(code: string, target: string, value: unknown, message: string) {
    super(`${target}: ${message}`);
    this.name = 'MappingError';
    this.code = code;
    this.target = target;
    this.value = value;
  }
}

/** Renders a value for an error message without letting a huge payload into logs. */
export function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

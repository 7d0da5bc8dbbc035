/** `250ms`, `30s`, `5m`, `2h` (the spec language's duration) in milliseconds. */
export function parseDuration(text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const match = /^([0-9]{1,9})(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${JSON.stringify(text)} (write 250ms, 30s, 5m or 2h)`);
  const n = Number(match[1]);
  const unit = match[2];
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
}

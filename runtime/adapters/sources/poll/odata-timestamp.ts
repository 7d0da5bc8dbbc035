/**
 * Timestamps as OData services write them, read into epoch milliseconds, and the filter literal that
 * asks for "at or after" one of them in each version's syntax.
 *
 * OData V2 JSON (SAP Gateway, Business Central's V2 endpoints) writes `/Date(1700000000000)/` for
 * Edm.DateTime and `/Date(1700000000000+0060)/` for Edm.DateTimeOffset. The number is milliseconds
 * since 1970-01-01 UTC; the signed suffix is the offset in minutes of the zone the value was written
 * in, which changes how it is displayed, not the instant (this is how the SAP Cloud SDK reads it). V4
 * and most REST APIs write ISO 8601 (`2026-01-15T10:45:29.3370000Z`, up to 7 fraction digits).
 */

const V2_DATE = /^\/Date\((-?\d{1,16})(?:([+-])(\d{4}))?\)\/$/;
const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch ms of an OData V2 `/Date(…)/` or an ISO 8601 timestamp; undefined when it is neither. */
export function parseODataTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const v2 = V2_DATE.exec(value);
  if (v2) {
    const ms = Number(v2[1]);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  const iso = ISO.exec(value);
  if (!iso) return undefined;
  // Milliseconds are what a JavaScript date holds: more fraction digits are cut, never rounded up,
  // so a watermark never passes a row written in the same millisecond.
  const fraction = (iso[2] ?? '').slice(0, 3).padEnd(3, '0');
  // A timestamp without a zone is UTC, as SAP reads an Edm.DateTime.
  const zone = iso[3] ?? 'Z';
  const ms = Date.parse(`${iso[1]}.${fraction}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** ISO 8601 in UTC with milliseconds: `2026-01-15T10:45:29.337Z`. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The `$filter` literal of a timestamp: V4 writes it bare (`2026-01-15T10:45:29.337Z`), V2 in a typed
 * quoted literal — `datetimeoffset'2026-01-15T10:45:29.337Z'` for Edm.DateTimeOffset, and
 * `datetime'2026-01-15T10:45:29.337'` (no zone: SAP reads it as UTC) for Edm.DateTime.
 */
export function timestampLiteral(ms: number, version: 'v2' | 'v4', type: 'DateTimeOffset' | 'DateTime'): string {
  const iso = isoUtc(ms);
  if (version === 'v4') return iso;
  return type === 'DateTime' ? `datetime'${iso.slice(0, -1)}'` : `datetimeoffset'${iso}'`;
}

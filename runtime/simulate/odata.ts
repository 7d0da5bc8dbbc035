/**
 * The OData V2 conventions of SAP's gateway, as the fixtures show them (specs/fixtures/erp/sap-s4hana):
 * `d` / `d.results` envelopes, `/Date(ms)/` dates and `/Date(ms+0000)/` timestamps, decimals as strings,
 * SAP errors as `{error: {code, message: {lang, value}}}`.
 */

/** `/Date(1552867200000)/`: a date at midnight UTC. */
export function odataDate(ms: number): string {
  const day = Math.floor(ms / 86_400_000) * 86_400_000;
  return `/Date(${day})/`;
}

/** `/Date(1552895997855+0000)/`: a timestamp. */
export function odataDateTime(ms: number): string {
  return `/Date(${Math.floor(ms)}+0000)/`;
}

/** SAP decimal strings: `"24.25"`, `"6.850"` (fixed digits). */
export function decimal(value: number, digits = 2): string {
  return value.toFixed(digits);
}

/** Zero-padded ALPHA conversion, as SAP stores customer and document numbers (`0010100001`). */
export function alpha(value: string | number, length = 10): string {
  return String(value).padStart(length, '0');
}

export function dResults<T>(results: T[]): { d: { results: T[] } } {
  return { d: { results } };
}

export function dSingle<T>(entity: T): { d: T } {
  return { d: entity };
}

export function odataError(code: string, message: string): { error: { code: string; message: { lang: string; value: string } } } {
  return { error: { code, message: { lang: 'en', value: message } } };
}

/** ISO date (yyyy-mm-dd) of a timestamp. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** X12 CCYYMMDD of a timestamp. */
export function x12Date(ms: number): string {
  return isoDate(ms).replaceAll('-', '');
}

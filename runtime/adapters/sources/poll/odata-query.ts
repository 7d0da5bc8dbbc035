import { percentEncode } from '../../../http/system-client.ts';
import { timestampLiteral } from './odata-timestamp.ts';
import type { ODataPollSettings } from './poll-settings.ts';

/**
 * The path and query of the first page of one poll: rows whose `modifiedField` is at or after the
 * watermark (`ge`, not `gt`: rows written in the watermark's own millisecond after the last poll
 * must not be skipped; the ones already published are recognised by key, watermark.ts), ordered by
 * the watermark and then the key so the order is total and a page boundary inside one timestamp
 * neither skips nor repeats a row. `top` bounds one query; the server may page below it.
 *
 * Values are percent-encoded like every OData client does (`'` and `(` included), never with `+` for
 * a space, which some gateways read as a plus sign.
 */
export function firstPagePath(settings: ODataPollSettings, watermarkMs: number | undefined, top: number): string {
  const conditions: string[] = [];
  if (settings.filter) conditions.push(`(${settings.filter})`);
  if (watermarkMs !== undefined) {
    conditions.push(`${settings.modifiedField} ge ${timestampLiteral(watermarkMs, settings.version, settings.modifiedType)}`);
  }
  const params: [string, string][] = [];
  if (conditions.length > 0) params.push(['$filter', conditions.join(' and ')]);
  params.push(['$orderby', [settings.modifiedField, ...settings.key].map((f) => `${f} asc`).join(',')]);
  params.push(['$top', String(top)]);
  if (settings.expand.length > 0) params.push(['$expand', settings.expand.join(',')]);
  if (settings.select.length > 0) {
    const fields = [...new Set([...settings.select, settings.modifiedField, ...settings.key])];
    params.push(['$select', fields.join(',')]);
  }
  // V2 answers JSON only when asked; V4 defaults to it.
  if (settings.version === 'v2') params.push(['$format', 'json']);
  return `${settings.path}?${params.map(([name, value]) => `${name}=${percentEncode(value)}`).join('&')}`;
}

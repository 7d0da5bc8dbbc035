import type { Deprecation } from '../../language/kinds/generated/kinds.ts';

/**
 * Headers announcing a deprecated API version: `Deprecation: @<unix seconds>` (RFC 9745, the
 * published form of draft-ietf-httpapi-deprecation-header; `@1` when no date is given means "is
 * deprecated"), `Sunset: <HTTP-date>` (RFC 8594) and, when a successor is named, a
 * `Link: <…>; rel="successor-version"` to its base path.
 */
export function deprecationHeaders(deprecation: Deprecation | undefined, successorBasePath?: string): Record<string, string> {
  if (!deprecation) return {};
  const headers: Record<string, string> = {};
  const since = deprecation.since ? Date.parse(`${deprecation.since}T00:00:00Z`) : Number.NaN;
  headers['deprecation'] = Number.isNaN(since) ? '@1' : `@${Math.floor(since / 1000)}`;
  if (deprecation.sunset) headers['sunset'] = new Date(Date.parse(`${deprecation.sunset}T23:59:59Z`)).toUTCString();
  if (successorBasePath) headers['link'] = `<${successorBasePath}>; rel="successor-version"`;
  return headers;
}

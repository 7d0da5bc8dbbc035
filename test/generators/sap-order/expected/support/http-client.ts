/** The part of `fetch` a generated API client uses; the runtime passes `globalThis.fetch`. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{
  status: number;
  ok: boolean;
  text(): Promise<string>;
}>;

/** A non-2xx answer from an API, with its status and body for the caller to decide on. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string, operation: string) {
    super(`${operation}: HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/** Fills `{param}` placeholders with URI-encoded values. Placeholder names come from the spec's validated pattern. */
export function fillPath(template: string, params: Readonly<Record<string, string | number | boolean>>): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (_m, name: string) =>
    encodeURIComponent(String(Object.hasOwn(params, name) ? params[name] : '')),
  );
}

/** Sends one request and parses a JSON answer; a non-2xx status throws ApiError. */
export async function callJson(
  fetchImpl: FetchLike,
  url: string,
  method: string,
  operation: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<unknown> {
  const response = await fetchImpl(url, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, text, operation);
  return text === '' ? undefined : JSON.parse(text);
}

/** `?a=1&b=x` from the defined values, in the given order ('' when there are none). */
export function queryString(values: Readonly<Record<string, string | number | boolean | undefined>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(values))
    if (value !== undefined) parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

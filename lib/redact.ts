/**
 * Redaction: three ways to keep a credential out of what people read, each for a different input.
 * - {@link redactCredentialPatterns}: free text from anywhere (an error message, a URL): masks what looks
 *   like a credential — URL user-info, `token=…`, `password: …`, `Authorization: …`. The controller runs
 *   every status message, Event note and log line through it.
 * - {@link redactSecretValues}: free text that may contain secrets whose values we know (the Git
 *   credentials of one fetch): removes those exact values, plus URL passwords.
 * - {@link redactSecretFields}: a structured value (log fields): replaces the values of credential-named
 *   fields at any depth.
 */

/** Masks credential-shaped parts of a text: URL user-info, `token=…`-style values, Authorization headers. */
export function redactCredentialPatterns(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')
    .replace(
      /\b(token|password|passwd|secret|bearer|apikey|api_key|private_token|access_token)(["']?\s*[=:]\s*["']?)[^\s"'&,;]+/gi,
      '$1$2***',
    )
    .replace(/(Authorization:\s*\w+\s+)\S+/gi, '$1***');
}

/**
 * Removes known secret values and URL user-info passwords from a text. Longest values first (callers
 * pass them sorted, see `secretValues`), so a value containing another is removed whole.
 */
export function redactSecretValues(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  // `scheme://user:password@host` in anything git or a server printed.
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*):([^/\s@]*)@/gi, '$1$2:***@');
}

/** Field names whose values are credentials. */
const SECRET_FIELD = /authorization|secret|password|passwd|token|api-?key|cookie|credential/i;

/** Replaces values of credential-named fields, at any depth (up to 6 levels), with `[redacted]`. */
export function redactSecretFields(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSecretFields(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = SECRET_FIELD.test(key) ? '[redacted]' : redactSecretFields(item, depth + 1);
  return out;
}

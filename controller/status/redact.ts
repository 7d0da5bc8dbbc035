/**
 * Nothing the controller writes for people to read (status, Events, logs) may carry a credential:
 * URLs lose their user-info, and `token=…`, `password=…`, `Authorization: …` values are masked.
 */
export function redact(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')
    .replace(
      /\b(token|password|passwd|secret|bearer|apikey|api_key|private_token|access_token)(["']?\s*[=:]\s*["']?)[^\s"'&,;]+/gi,
      '$1$2***',
    )
    .replace(/(Authorization:\s*\w+\s+)\S+/gi, '$1***');
}

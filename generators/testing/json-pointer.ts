/** Resolves an RFC 6901 JSON pointer over own properties only; undefined when a step is missing. */
export function resolvePointer(value: unknown, pointer: string): { ok: true; value: unknown } | { ok: false; at: string } {
  if (pointer === '') return { ok: true, value };
  let current = value;
  let walked = '';
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    walked += `/${raw}`;
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < current.length) current = current[Number(key)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.hasOwn(current, key))
      current = (current as Record<string, unknown>)[key];
    else return { ok: false, at: walked };
  }
  return { ok: true, value: current };
}

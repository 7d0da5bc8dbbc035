/**
 * JSON pointers (RFC 6901): the one place that escapes and unescapes their segments. Schema `$ref`s,
 * ajv's `instancePath`, the compatibility checker's `schemaPointer` and fixture paths all go through
 * here, so `~0`/`~1` are decoded the same way everywhere (`~1` first would turn `~01` into `/`).
 */
import type { PathSegment } from '../diagnostics/diagnostic.ts';

/** One pointer segment, escaped: `~` → `~0`, `/` → `~1`. */
export function escapePointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** One pointer segment, unescaped: `~1` → `/`, then `~0` → `~`. */
export function unescapePointerSegment(raw: string): string {
  return raw.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `parent` extended by the given keys. */
export function childPointer(parent: string, ...keys: (string | number)[]): string {
  return parent + keys.map((key) => `/${escapePointerSegment(key)}`).join('');
}

/** The unescaped segments of a pointer (`''` is the whole value and has none). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map(unescapePointerSegment);
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * A pointer as a diagnostic path: canonical array indices (`0`, `12`, not `012`) become numbers so
 * that `locate()` can step into YAML sequences.
 */
export function pointerToPath(pointer: string): PathSegment[] {
  return pointerTokens(pointer).map((token) => (ARRAY_INDEX.test(token) ? Number(token) : token));
}

/** Resolves a pointer over own properties only; on a miss, says how far it got. */
export function resolvePointer(value: unknown, pointer: string): { ok: true; value: unknown } | { ok: false; at: string } {
  let current = value;
  let walked = '';
  for (const key of pointerTokens(pointer)) {
    walked += `/${escapePointerSegment(key)}`;
    if (Array.isArray(current) && ARRAY_INDEX.test(key) && Number(key) < current.length) current = current[Number(key)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.hasOwn(current, key))
      current = (current as Record<string, unknown>)[key];
    else return { ok: false, at: walked };
  }
  return { ok: true, value: current };
}

import { isUnsafePropertyName } from './naming.ts';

/** One step of a field path: a property name, and whether the property is a list (`lines[]`). */
export interface FieldSegment {
  name: string;
  list: boolean;
}

export type FieldPathResult = { ok: true; segments: FieldSegment[] } | { ok: false; message: string };

/**
 * Parses `lines[].quantity`, `d.results[]` or `["@odata.etag"]`. Names that would reach
 * Object.prototype (`__proto__`, `constructor`, `prototype`) are refused here, so no later stage
 * has to think about them.
 */
export function parseFieldPath(path: string): FieldPathResult {
  const segments: FieldSegment[] = [];
  let i = 0;
  while (i < path.length) {
    let name: string;
    if (path.startsWith('["', i)) {
      const end = path.indexOf('"]', i + 2);
      if (end === -1) return { ok: false, message: `unterminated ["...'] at column ${i + 1} of \`${path}\`` };
      name = path.slice(i + 2, end);
      if (name.length === 0) return { ok: false, message: `empty field name at column ${i + 1} of \`${path}\`` };
      i = end + 2;
    } else {
      const match = /^[A-Za-z_$][\w$-]*/.exec(path.slice(i));
      if (!match)
        return {
          ok: false,
          message: `unexpected ${JSON.stringify(path[i])} at column ${i + 1} of \`${path}\`; write names separated by dots, \`[]\` after a list, and \`["..."]\` for other names`,
        };
      name = match[0];
      i += name.length;
    }
    if (isUnsafePropertyName(name))
      return { ok: false, message: `field name "${name}" is reserved: it would reach the object's prototype instead of its data` };
    let list = false;
    if (path.startsWith('[]', i)) {
      list = true;
      i += 2;
    }
    segments.push({ name, list });
    if (i < path.length) {
      if (path[i] === '.') i++;
      else if (!path.startsWith('["', i))
        return { ok: false, message: `unexpected ${JSON.stringify(path[i])} at column ${i + 1} of \`${path}\`` };
    }
  }
  if (segments.length === 0) return { ok: false, message: 'empty field path' };
  return { ok: true, segments };
}

/** Renders segments back the way users write them. */
export function formatFieldPath(segments: readonly FieldSegment[]): string {
  return segments
    .map((s, i) => `${/^[A-Za-z_$][\w$-]*$/.test(s.name) ? `${i > 0 ? '.' : ''}${s.name}` : `["${s.name}"]`}${s.list ? '[]' : ''}`)
    .join('');
}

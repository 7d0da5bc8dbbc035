/**
 * A few words on what a schema change did (`removed currency; added channel`), for messages that
 * would otherwise have to guess: a compatible change is not necessarily an addition.
 */
import { isDeepStrictEqual } from 'node:util';

type Schema = { properties?: Record<string, unknown>; items?: unknown; required?: unknown };

/** Properties added, removed and changed between two schemas, by field path (`lines[].sku`); pure. */
export function summarizeSchemaChange(before: unknown, after: unknown): string {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  walk(before, after, '', { added, removed, changed });
  const parts = [
    removed.length > 0 ? `removed ${names(removed)}` : '',
    added.length > 0 ? `added ${names(added)}` : '',
    changed.length > 0 ? `changed ${names(changed)}` : '',
  ].filter((p) => p !== '');
  return parts.join('; ');
}

function names(fields: string[]): string {
  const shown = fields.slice(0, 3).map((f) => `\`${f}\``);
  return fields.length > 3 ? `${shown.join(', ')} and ${fields.length - 3} more` : shown.join(', ');
}

function walk(before: unknown, after: unknown, at: string, out: { added: string[]; removed: string[]; changed: string[] }): void {
  if (isDeepStrictEqual(before, after)) return;
  const b = (typeof before === 'object' && before !== null ? before : {}) as Schema;
  const a = (typeof after === 'object' && after !== null ? after : {}) as Schema;
  const field = (name: string) => (at === '' ? name : `${at}.${name}`);
  const bp = b.properties ?? {};
  const ap = a.properties ?? {};
  let found = false;
  for (const name of Object.keys(bp)) {
    if (!Object.hasOwn(ap, name)) {
      out.removed.push(field(name));
      found = true;
    } else if (!isDeepStrictEqual(bp[name], ap[name])) {
      const before = out.added.length + out.removed.length + out.changed.length;
      walk(bp[name], ap[name], field(name), out);
      if (out.added.length + out.removed.length + out.changed.length === before) out.changed.push(field(name));
      found = true;
    }
  }
  for (const name of Object.keys(ap)) {
    if (!Object.hasOwn(bp, name)) {
      out.added.push(field(name));
      found = true;
    }
  }
  if (b.items !== undefined && a.items !== undefined && !isDeepStrictEqual(b.items, a.items)) {
    walk(b.items, a.items, `${at}[]`, out);
    found = true;
  }
  if (!found && at !== '' && !isDeepStrictEqual(b, a)) out.changed.push(at);
}

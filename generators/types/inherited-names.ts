/**
 * json-schema-to-typescript calls methods such as `schema.hasOwnProperty(...)` on the objects of a
 * schema, so a contract with a field named `hasOwnProperty` (any member of Object.prototype) made it
 * throw. Such names are legal JSON field names, so the generator hides them instead of refusing them:
 * every key and string equal to one becomes a placeholder identifier before compiling, and the
 * placeholders are put back into the generated text.
 */

/** Names an object inherits from Object.prototype; `__proto__` and `constructor` never reach here (the loader refuses them). */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

export interface HiddenNames<T> {
  /** The value with inherited names replaced (the input itself when it has none). */
  value: T;
  /** Puts the original names back into text generated from `value`. */
  restore: (text: string) => string;
}

/** Replaces every key and string that names an Object.prototype member by a placeholder no schema text contains. */
export function hideInheritedNames<T>(value: T): HiddenNames<T> {
  const text = JSON.stringify(value) ?? '';
  const found = new Set<string>();
  collect(value, found);
  if (found.size === 0) return { value, restore: (out) => out };
  let salt = 0;
  while (text.includes(`InterlaceHidden${salt}_`)) salt++;
  const placeholders = new Map([...found].sort().map((name, i) => [name, `InterlaceHidden${salt}_${i}`]));
  const rename = (name: string) => placeholders.get(name) ?? name;
  const hidden = rebuild(value, rename) as T;
  return {
    value: hidden,
    // Longest placeholder first, so `..._1` never eats the start of `..._10`.
    restore: (out) =>
      [...placeholders]
        .sort((a, b) => b[1].length - a[1].length)
        .reduce((result, [name, placeholder]) => result.replaceAll(placeholder, name), out),
  };
}

/** Iterative, so a deep schema cannot overflow the stack here. */
function collect(root: unknown, found: Set<string>): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (INHERITED.has(node)) found.add(node);
    } else if (Array.isArray(node)) {
      stack.push(...node);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (INHERITED.has(key)) found.add(key);
        stack.push(child);
      }
    }
  }
}

function rebuild(node: unknown, rename: (name: string) => string): unknown {
  if (typeof node === 'string') return rename(node);
  if (Array.isArray(node)) return node.map((child) => rebuild(child, rename));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([key, child]) => [rename(key), rebuild(child, rename)]));
}

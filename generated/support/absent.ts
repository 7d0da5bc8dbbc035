/**
 * Null means "no value" (docs/mapping-language.md, "Missing values"): a null source into a target
 * that does not allow null is absent, and an optional object with nothing in it is left out.
 */

/** `null` → absent (undefined); anything else passes through, typed without null. */
export function nullToAbsent<T>(value: T): Exclude<T, null> | (null extends T ? undefined : never) {
  return (value === null ? undefined : value) as Exclude<T, null> | (null extends T ? undefined : never);
}

/**
 * An optional target object whose fields all came out absent (every `when` false, every source
 * missing or null) is left out: a rule that does not apply writes nothing, not `carrier: {}`.
 */
export function omitEmpty<T extends object>(value: T): T | undefined {
  for (const key in value) if (Object.hasOwn(value, key) && value[key] !== undefined) return value;
  return undefined;
}

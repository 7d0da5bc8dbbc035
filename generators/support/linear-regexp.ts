import { RE2JS } from 're2js';

/**
 * The regular-expression engine of generated validators: RE2 (re2js), whose matching time is linear
 * in the input, so a contract's `pattern` cannot let a client stall a worker with a crafted value.
 * ajv's standalone code calls `linearRegExp(pattern, flags)` once per pattern when the module loads.
 * A bundle links re2js in (generators/bundles/link.ts), so a deployed connector needs no package.
 */
export function linearRegExp(pattern: string, flags = ''): LinearRegExp {
  const re = RE2JS.compile(RE2JS.translateRegExp(pattern));
  return {
    test: (text: string) => re.test(text),
    extract: (text) => {
      if (text === null || text === undefined) return undefined;
      const m = re.matcher(text);
      if (!m.find()) return undefined;
      return (re.groupCount() > 0 ? m.group(1) : m.group()) ?? undefined;
    },
    // ajv tells patterns apart by toString(): it must differ per pattern, or all would share the first.
    toString: () => `/${pattern}/${flags}`,
  };
}

/** A compiled linear-time pattern. */
export interface LinearRegExp {
  test(text: string): boolean;
  /**
   * CEL `s.extract(pattern)`: the first match's first capture group (the whole match when the
   * pattern has no group); absent when nothing matches or `text` is missing.
   */
  extract(text: string | null | undefined): string | undefined;
  toString(): string;
}
/** What ajv writes into standalone code to call this engine. */
linearRegExp.code = 'linearRegExp';

import { RE2JS } from 're2js';

/**
 * The regular-expression engine of generated validators: RE2 (re2js), whose matching time is linear
 * in the input, so a contract's `pattern` cannot let a client stall a worker with a crafted value.
 * ajv's standalone code calls `linearRegExp(pattern, flags)` once per pattern when the module loads.
 * A bundle links re2js in (generators/bundles/link.ts), so a deployed connector needs no package.
 */
export function linearRegExp(pattern: string, flags = ''): { test(text: string): boolean; toString(): string } {
  const re = RE2JS.compile(RE2JS.translateRegExp(pattern));
  // ajv tells patterns apart by toString(): it must differ per pattern, or all would share the first.
  return { test: (text: string) => re.test(text), toString: () => `/${pattern}/${flags}` };
}
/** What ajv writes into standalone code to call this engine. */
linearRegExp.code = 'linearRegExp';

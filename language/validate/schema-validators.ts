import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { linearRegExp } from '../../lib/linear-regexp.ts';
import { KIND_NAMES, kindSchema } from '../kinds/registry.ts';
import type { KindName } from '../kinds/registry.ts';

// ajv-formats is CommonJS; under ESM its function may sit on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** An ajv instance configured the way Interlace validates every JSON Schema it meets. */
export function createAjv(options: { strict?: boolean } = {}): Ajv2020 {
  // strictRequired is off because `if/then` branches legitimately require properties declared outside them.
  const strict = options.strict ?? true;
  // ownProperties: a message without `toString` lacks it, whatever Object.prototype has. Patterns run on
  // RE2 (linear time): a spec's `pattern` must never stall validation.
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    strict,
    strictRequired: false,
    allowUnionTypes: true,
    ownProperties: true,
    code: { regExp: linearRegExp },
  });
  addFormats(ajv);
  return ajv;
}

let compiled: Map<KindName, ValidateFunction> | undefined;

/** The validator of each kind, compiled once per process. */
export function kindValidators(): Map<KindName, ValidateFunction> {
  if (!compiled) {
    const ajv = createAjv();
    compiled = new Map(KIND_NAMES.map((kind) => [kind, ajv.compile(kindSchema(kind))]));
  }
  return compiled;
}

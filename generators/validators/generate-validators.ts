import { _ } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { interlaceFormats } from '../support/formats.ts';
import { linearRegExp } from '../support/linear-regexp.ts';
import { BANNER } from '../shared/banner.ts';
import { contractTypeName, validatorName } from '../shared/naming.ts';
import type { ContractSource } from '../types/generate-types.ts';

/**
 * ajv's standalone output `require`s two helpers from `ajv/dist/runtime`. A bundle is one
 * self-contained file, so these exact require expressions — produced by ajv, never by spec text
 * (inside a JSON string literal a quote is always escaped, so `require("` cannot appear there) —
 * are pointed at the same helpers in the runtime support module.
 */
const AJV_RUNTIME: Record<string, string> = {
  'require("ajv/dist/runtime/ucs2length").default': 'ucs2length',
  'require("ajv/dist/runtime/equal").default': 'jsonEqual',
};

/** ajv/dist/standalone is CommonJS: its function is the module and also its `default`. */
const standaloneCode = ((standaloneModule as unknown as { default?: unknown }).default ?? standaloneModule) as (
  ajv: Ajv2020,
  refs: Record<string, string>,
) => string;

/**
 * A fresh ajv per contract: ajv numbers its generated functions per instance (`validate20`), so a
 * shared instance would make the output depend on what was generated before — not deterministic.
 * Each fresh instance would also compile the 2020-12 meta-schema to check the contract's schema
 * (three quarters of generating a validator): the shared `schemaChecker` does that check instead.
 */
function ajvForCode(validateSchema = false): Ajv2020 {
  const ajv = new Ajv2020({
    validateSchema,
    // Patterns run on RE2 (linear time) at run time too; ajv calls `linearRegExp` by name in the output.
    code: { source: true, esm: true, lines: false, optimize: true, formats: _`interlaceFormats`, regExp: linearRegExp },
    // A message without `toString` lacks it, whatever Object.prototype has.
    ownProperties: true,
    allErrors: true,
    strict: false,
    validateFormats: true,
    unicodeRegExp: true,
  });
  for (const [name, format] of Object.entries(interlaceFormats)) ajv.addFormat(name, format as never);
  return ajv;
}

/** Checks schemas against the meta-schema, compiled once; it generates no code, so sharing it keeps the output deterministic. */
let schemaChecker: Ajv2020 | undefined;

export type ValidatorResult = { ok: true; text: string } | { ok: false; message: string };

/**
 * The validator module of one contract major: ajv standalone code (no schema is compiled at run
 * time) with a typed guard, `validateOrderV2(data): data is OrderV2`. Pure apart from ajv's cache.
 */
export function validatorModule(contract: ContractSource): ValidatorResult {
  const ajv = ajvForCode();
  const key = `interlace:${contract.name}@${contract.major}`;
  const { $id: _id, $schema: _dialect, ...schema } = contract.schema;
  let code: string;
  try {
    const checked = withKnownFormats(schema);
    schemaChecker ??= ajvForCode(true);
    // The error ajv's addSchema throws for an invalid schema when it checks the schema itself.
    if (!schemaChecker.validateSchema(checked)) throw new Error(`schema is invalid: ${schemaChecker.errorsText()}`);
    ajv.addSchema(checked, key);
    code = standaloneCode(ajv, { rawValidate: key });
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const used = new Set<string>(['interlaceFormats']);
  for (const [expression, helper] of Object.entries(AJV_RUNTIME)) {
    if (code.includes(expression)) {
      code = code.split(expression).join(helper);
      used.add(helper);
    }
  }
  if (/\brequire\(/.test(code.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) {
    return { ok: false, message: 'ajv emitted a runtime import the bundle cannot provide' };
  }
  if (!code.includes('interlaceFormats')) used.delete('interlaceFormats');
  if (/\blinearRegExp\b/.test(code.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) used.add('linearRegExp');
  const typeName = contractTypeName(contract.name, contract.major);
  const name = validatorName(contract.name, contract.major);
  const imports = used.size > 0 ? `import { ${[...used].sort().join(', ')} } from '../support/index.js';\n` : '';
  return {
    ok: true,
    text: `${BANNER}
// @ts-nocheck -- ajv standalone output is plain JavaScript; the typed guard is declared below.
${imports}import type { Validator } from '../support/validator.js';
import type { ${typeName} } from '../types.js';

${code.replace(/^"use strict";/, '').replace(/^export const rawValidate = /, 'const rawValidate = ')}

/** Validates a \`${contract.name}@${contract.major}\` payload; errors are left on \`.errors\`. */
export const ${name} = rawValidate as Validator<${typeName}>;
`,
  };
}

/** Formats the runtime does not know are accepted unchecked, so an exotic format never fails generation. */
function withKnownFormats(schema: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema), function (this: Record<string, unknown>, key, value) {
    if (key === 'format' && typeof value === 'string' && !Object.hasOwn(interlaceFormats, value) && typeof this.type !== 'undefined')
      return undefined;
    return value;
  }) as Record<string, unknown>;
}

/**
 * Checks a Policy's `params` for a built-in rule against the JSON Schemas the rule declares, so a bad
 * value (`maxAttempts: "abc"`, a regular expression that does not compile, a misspelt name) is a
 * diagnostic at its line instead of being silently ignored.
 */
import type { ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { PathSegment } from '../language/diagnostics/diagnostic.ts';
import { pointerToPath, resolvePointer } from '../language/schema/json-pointer.ts';
import { didYouMean } from '../lib/did-you-mean.ts';
import { linearRegExpProblem } from '../lib/linear-regexp.ts';
import type { RuleDefinition, RuleParameter } from './rule.ts';

export interface ParamProblem {
  path: PathSegment[];
  message: string;
  hint: string;
}

let ajv: Ajv2020 | undefined;
const compiled = new WeakMap<RuleParameter, ValidateFunction>();

/**
 * True when `text` compiles on RE2, the linear-time engine rules run Policy patterns on: a Policy is
 * untrusted input, and a pattern like `^(a+)+$` must not stall `interlace check`.
 */
function compilesAsLinearRegExp(text: string): boolean {
  return linearRegExpProblem(text) === undefined;
}

function validatorOf(param: RuleParameter): ValidateFunction {
  let validate = compiled.get(param);
  if (!validate) {
    ajv ??= new Ajv2020({ allErrors: true, strict: true }).addFormat('regex', compilesAsLinearRegExp);
    validate = ajv.compile(param.schema);
    compiled.set(param, validate);
  }
  return validate;
}

/**
 * The params of one Policy entry that the rule accepts, and a problem for each one it does not (an
 * unknown name, or a value its schema rejects). `at` is the entry's `params` path in the Policy.
 */
export function checkRuleParams(
  rule: RuleDefinition,
  given: unknown,
  at: PathSegment[],
): { accepted: Record<string, unknown>; problems: ParamProblem[] } {
  const accepted: Record<string, unknown> = {};
  const problems: ParamProblem[] = [];
  if (given === undefined) return { accepted, problems };
  const declared = rule.params ?? {};
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    problems.push({
      path: at,
      message: `params of rule ${rule.id} must be a mapping of parameter names to values`,
      hint: paramsHint(rule),
    });
    return { accepted, problems };
  }
  for (const [name, value] of Object.entries(given)) {
    const param = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (!param) {
      const suggestion = didYouMean(name, Object.keys(declared));
      problems.push({
        path: [...at, name],
        message: `rule ${rule.id} has no parameter "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
        hint: suggestion ? `Write \`${suggestion}:\`.` : paramsHint(rule),
      });
      continue;
    }
    const validate = validatorOf(param);
    if (validate(value)) {
      accepted[name] = value;
      continue;
    }
    // One problem per failing value: `propertyNames` only wraps the error of the name it names.
    for (const error of (validate.errors ?? []).filter((e) => e.keyword !== 'propertyNames')) {
      const key = (error as { propertyName?: string }).propertyName;
      const inner = [...pointerToPath(error.instancePath), ...(key === undefined ? [] : [key])];
      const field = [name, ...inner].join('.');
      const why =
        error.keyword === 'format' && error.params.format === 'regex'
          ? `is not a regular expression RE2 can run (${regexProblemAt(value, error.instancePath)})`
          : error.keyword === 'enum'
            ? `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`
            : error.message;
      problems.push({
        path: [...at, name, ...inner],
        message: `${key === undefined ? 'parameter' : 'key in parameter'} ${field} of rule ${rule.id} ${why ?? 'is invalid'}${key === undefined ? `: ${JSON.stringify(value)}` : ''}`,
        hint: `${param.description} Default: \`${JSON.stringify(param.default)}\`, used until this is fixed.`,
      });
    }
  }
  return { accepted, problems };
}

/** Why the pattern at `pointer` inside a param value does not compile on RE2. */
function regexProblemAt(value: unknown, pointer: string): string {
  const found = resolvePointer(value, pointer);
  return (found.ok && typeof found.value === 'string' && linearRegExpProblem(found.value)) || 'invalid pattern';
}

function paramsHint(rule: RuleDefinition): string {
  const names = Object.keys(rule.params ?? {});
  return names.length > 0
    ? `Rule ${rule.id} takes ${names.map((n) => `\`${n}\``).join(', ')} (docs/rules.md).`
    : `Rule ${rule.id} takes no parameters.`;
}

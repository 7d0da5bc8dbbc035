import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Api } from '../../language/kinds/generated/kinds.ts';
import { linearRegExp } from '../../lib/linear-regexp.ts';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

type Operation = Api['spec']['operations'][number];

export interface ParsedParams {
  params: Record<string, string | number | boolean>;
  query: Record<string, string | number | boolean>;
  headers: Record<string, string | number | boolean>;
}

export interface ParamProblem {
  in: 'path' | 'query' | 'header';
  name: string;
  message: string;
}

/**
 * Path, query and header parameters of one operation, checked against their schemas (compiled once
 * with ajv at start). Query and header values are coerced to the schema's type (`?expand=true` is a
 * boolean) before validation, as OpenAPI servers do.
 */
export class ParameterValidator {
  private readonly checks: {
    name: string;
    in: 'path' | 'query' | 'header';
    required: boolean;
    type: string | undefined;
    validate: ValidateFunction;
  }[];

  constructor(operation: Operation, ajv: Ajv2020 = sharedAjv()) {
    this.checks = (operation.parameters ?? []).map((p) => {
      const schema = (p.schema ?? { type: 'string' }) as Record<string, unknown>;
      return {
        name: p.name,
        in: p.in,
        required: p.in === 'path' || p.required === true,
        type: typeof schema['type'] === 'string' ? (schema['type'] as string) : undefined,
        validate: ajv.compile(schema),
      };
    });
  }

  check(
    pathParams: Record<string, string>,
    url: URL,
    headers: Record<string, string | string[] | undefined>,
  ): { ok: true; value: ParsedParams } | { ok: false; problems: ParamProblem[] } {
    const value: ParsedParams = { params: {}, query: {}, headers: {} };
    const problems: ParamProblem[] = [];
    for (const check of this.checks) {
      const rawHeader = check.in === 'header' ? headers[check.name.toLowerCase()] : undefined;
      const raw =
        check.in === 'path'
          ? pathParams[check.name]
          : check.in === 'query'
            ? (url.searchParams.get(check.name) ?? undefined)
            : Array.isArray(rawHeader)
              ? rawHeader[0]
              : rawHeader;
      if (raw === undefined) {
        if (check.required) problems.push({ in: check.in, name: check.name, message: 'is required' });
        continue;
      }
      const coerced = coerce(raw, check.type);
      if (!check.validate(coerced)) {
        problems.push({
          in: check.in,
          name: check.name,
          message: (check.validate.errors ?? []).map((e) => e.message ?? 'is invalid').join('; '),
        });
        continue;
      }
      (check.in === 'path' ? value.params : check.in === 'query' ? value.query : value.headers)[check.name] = coerced as
        | string
        | number
        | boolean;
    }
    return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
  }
}

function coerce(raw: string, type: string | undefined): unknown {
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (type === 'integer' || type === 'number') return raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  return raw;
}

let ajvInstance: Ajv2020 | undefined;
/** One ajv for parameter schemas (and for contracts whose bundle has no generated validator). */
export function sharedAjv(): Ajv2020 {
  if (!ajvInstance) {
    // Patterns run on RE2 (linear time): a crafted parameter value must not stall the worker.
    // ownProperties: a request lacking `toString` lacks it, whatever Object.prototype has.
    ajvInstance = new Ajv2020({
      allErrors: true,
      strict: false,
      allowUnionTypes: true,
      ownProperties: true,
      code: { regExp: linearRegExp },
    });
    addFormats(ajvInstance);
  }
  return ajvInstance;
}

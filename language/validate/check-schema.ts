import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { formatPath } from '../diagnostics/diagnostic.ts';
import { locate } from '../diagnostics/locate.ts';
import type { KindName } from '../kinds/registry.ts';
import type { LoadedDocument } from '../load/loaded-document.ts';
import { didYouMean } from '../../lib/did-you-mean.ts';
import { pointerToPath } from '../schema/json-pointer.ts';
import { kindValidators } from './schema-validators.ts';

/** Keywords whose failure is already explained by the errors of their sub-schemas. */
const EXPLAINED_BY_CHILDREN = new Set(['if', 'then', 'else', 'allOf', '$ref']);

/**
 * Validates a document against its kind's JSON Schema with all errors collected, and turns each
 * into a Diagnostic in the user's words, at most one per path.
 */
export function checkSchema(document: LoadedDocument, kind: KindName): Diagnostic[] {
  const validate = kindValidators().get(kind)!;
  if (validate(document.value)) return [];
  const byPath = new Map<string, Diagnostic>();
  // `anyOf: [{required: [a]}, {required: [b]}]` is reported once ("needs at least one of: a, b"), not
  // also as "missing a" and "missing b" from each branch.
  const alternatives = (validate.errors ?? [])
    .filter((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && onlyRequiredBranches(e))
    .map((e) => `${e.schemaPath}/`);
  for (const error of validate.errors ?? []) {
    if (EXPLAINED_BY_CHILDREN.has(error.keyword)) continue;
    if (error.keyword === 'required' && alternatives.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const diagnostic = toDiagnostic(document, error);
    if (!diagnostic) continue;
    const key = formatPath(diagnostic.path);
    if (!byPath.has(key)) byPath.set(key, diagnostic);
  }
  return [...byPath.values()];
}

/** An `anyOf`/`oneOf` whose every branch only requires one field: the alternatives are field names. */
function onlyRequiredBranches(error: ErrorObject): boolean {
  const branches = (error.schema as { required?: string[] }[] | undefined) ?? [];
  return branches.length > 0 && branches.every((b) => Object.keys(b).length === 1 && b.required?.length === 1);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function toDiagnostic(document: LoadedDocument, error: ErrorObject): Diagnostic | undefined {
  const path = pointerToPath(error.instancePath);
  const base = { severity: 'error' as const, file: document.file };
  const parent = (error.parentSchema ?? {}) as { properties?: Record<string, { description?: string }>; description?: string };
  const shown = formatPath(path) || '(document)';
  const params = error.params as Record<string, unknown>;

  // A DNS-1123 label is also at most 63 characters: a long name is a bad name, not a range problem.
  if (error.keyword === 'maxLength' && path.length === 2 && path[0] === 'metadata' && path[1] === 'name') {
    return {
      ...base,
      code: 'invalid-name',
      path,
      range: locate(document, path),
      message: `name ${JSON.stringify(error.data)} is not a DNS-1123 label: it is longer than ${String(params.limit)} characters`,
      hint: `Shorten it to ${String(params.limit)} characters or fewer.`,
    };
  }
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      const full = [...path, missing];
      const description = parent.properties?.[missing]?.description;
      return {
        ...base,
        code: 'schema-required',
        path: full,
        range: locate(document, full),
        message: `missing required field \`${formatPath(full)}\``,
        hint: description ? `Add \`${missing}\`: ${description}` : `Add \`${missing}\`.`,
      };
    }
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const full = [...path, field];
      const known = Object.keys(parent.properties ?? {});
      const suggestion = didYouMean(field, known);
      return {
        ...base,
        code: 'schema-unknown-field',
        path: full,
        range: locate(document, full, { key: true }),
        message: `unknown field \`${formatPath(full)}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
        hint: suggestion
          ? `Rename it to \`${suggestion}\`.`
          : known.length > 0
            ? `Fields allowed here: ${known.join(', ')}.`
            : 'Remove it.',
      };
    }
    case 'type': {
      const expected = String(params.type).replace(',', ' or ');
      const actual = error.data;
      const quoteHint =
        expected.includes('string') && (typeof actual === 'number' || typeof actual === 'boolean')
          ? `Quote the value (\`"${String(actual)}"\`): YAML reads it as a ${typeof actual}.`
          : `Write ${expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : `a ${expected}`} here.`;
      return {
        ...base,
        code: 'schema-type',
        path,
        range: locate(document, path),
        message: `\`${shown}\` must be ${expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : `a ${expected}`}, not ${describe(actual)}`,
        hint: quoteHint,
      };
    }
    case 'enum':
    case 'const': {
      const allowed = (error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue]).map((v) => String(v));
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, allowed) : undefined;
      return {
        ...base,
        code: 'schema-enum',
        path,
        range: locate(document, path),
        message: `\`${shown}\` is ${describe(error.data)}; allowed: ${allowed.join(', ')}${suggestion ? `. Did you mean ${suggestion}?` : ''}`,
        hint: suggestion ? `Write \`${suggestion}\`.` : `Use one of: ${allowed.join(', ')}.`,
      };
    }
    case 'format':
      return {
        ...base,
        code: 'schema-format',
        path,
        range: locate(document, path),
        message: `\`${shown}\` is not a valid ${params.format}: ${describe(error.data)}`,
        hint: formatHint(String(params.format)),
      };
    case 'pattern': {
      const isName = path.length === 2 && path[0] === 'metadata' && path[1] === 'name';
      const isReference = typeof error.data === 'string' && (parent.description ?? '').includes('reference');
      if (isName) {
        return {
          ...base,
          code: 'invalid-name',
          path,
          range: locate(document, path),
          message: `name ${JSON.stringify(error.data)} is not a DNS-1123 label`,
          hint: `Use lower-case letters, digits and '-', starting and ending with a letter or digit${typeof error.data === 'string' ? `, e.g. \`${suggestDnsLabel(error.data)}\`` : ''}.`,
        };
      }
      if (isReference) {
        return {
          ...base,
          code: 'invalid-reference',
          path,
          range: locate(document, path),
          message: `\`${shown}\` is not a reference: ${describe(error.data)}`,
          hint: 'Write `name@major` (`order@2`) or `name@range` (`order@^2.1`).',
        };
      }
      return {
        ...base,
        code: 'schema-pattern',
        path,
        range: locate(document, path),
        message: `\`${shown}\` does not have the expected form: ${describe(error.data)}`,
        hint: parent.description ?? `It must match ${String(params.pattern)}.`,
      };
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      const full = [...path, name];
      return {
        ...base,
        code: 'schema-pattern',
        path: full,
        range: locate(document, full, { key: true }),
        message: `key ${JSON.stringify(name)} is not allowed in \`${shown}\``,
        hint: parent.description ?? 'Rename the key.',
      };
    }
    case 'minLength':
    case 'maxLength':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
    case 'uniqueItems':
      return {
        ...base,
        code: 'schema-range',
        path,
        range: locate(document, path),
        message: `\`${shown}\` ${error.message}`,
        hint: error.keyword === 'uniqueItems' ? 'Remove the repeated entry.' : 'Change the value to fit the limit.',
      };
    case 'anyOf':
    case 'oneOf': {
      const branches = (error.schema as { required?: string[] }[] | undefined) ?? [];
      const alternatives = branches.flatMap((b) => b.required ?? []);
      if (onlyRequiredBranches(error)) {
        return {
          ...base,
          code: 'schema-required',
          path,
          range: locate(document, path),
          message: `\`${shown}\` needs ${error.keyword === 'oneOf' ? 'exactly' : 'at least'} one of: ${alternatives.map((a) => `\`${a}\``).join(', ')}`,
          hint: `Add ${alternatives.map((a) => `\`${a}\``).join(' or ')}.`,
        };
      }
      return undefined;
    }
    default:
      return {
        ...base,
        code: 'schema-violation',
        path,
        range: locate(document, path),
        message: `\`${shown}\` ${error.message ?? 'is invalid'}`,
        hint: parent.description ?? "See the kind's schema (`interlace schema`).",
      };
  }
}

function formatHint(format: string): string {
  switch (format) {
    case 'date':
      return 'Write a date as YYYY-MM-DD, e.g. 2027-03-31.';
    case 'uri':
      return 'Write an absolute URL, e.g. https://erp.example.com/api.';
    default:
      return `Write a valid ${format}.`;
  }
}

function suggestDnsLabel(name: string): string {
  const label = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label || 'my-name';
}

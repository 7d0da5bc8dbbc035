/**
 * JSON Schema 2020-12 (the spec kinds' single source of truth) → a Kubernetes *structural* schema
 * (apiextensions.k8s.io/v1 `openAPIV3Schema`).
 *
 * Interlace validates every document with the full JSON Schema (ajv) before anything reaches the
 * cluster, so the CRD schema is a second, coarser line: it must never reject what the gate accepted,
 * and it must never prune a field a document may carry. Hence the rules:
 * - `$ref`s are inlined; a recursive reference becomes an object that keeps every field.
 * - every node has a `type`; arbitrary JSON (`value`, `default`, a contract's `schema`, examples, a
 *   multi-type value) becomes `x-kubernetes-preserve-unknown-fields: true`.
 * - an object that JSON Schema leaves open (no `additionalProperties: false`) keeps unknown fields;
 *   a closed one is pruned by Kubernetes, and the controller applies with strict field validation.
 * - `const` → a one-value `enum`; an `enum` without a type gets the type of its values.
 * - `uniqueItems` on scalars → `x-kubernetes-list-type: set` (Kubernetes forbids uniqueItems).
 * - `if`/`then` (a required field that depends on another field's value) and `anyOf` of `required`
 *   become CEL `x-kubernetes-validations` with the same meaning.
 * - patterns are rewritten to Go's RE2 dialect; one RE2 cannot express is dropped and reported.
 * - `propertyNames`, `default`, `title`, `examples`, `$comment` are left out (defaults would make
 *   the API server write fields Git never had; the description still says what the default is).
 * Any other keyword is an error, so a new schema feature cannot slip into a CRD unconverted.
 */
import { toGoRegex } from './go-regex.ts';

export type Schema = Record<string, unknown>;

/** Something the conversion had to weaken, reported so tests and docs can show it. */
export interface ConversionNote {
  path: string;
  message: string;
}

export interface StructuralResult {
  schema: Schema;
  notes: ConversionNote[];
}

/** Formats Kubernetes validates (k8s.io/kube-openapi strfmt); others are dropped. */
const KUBERNETES_FORMATS = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
  'date-time',
  'int32',
  'int64',
  'float',
  'double',
]);

const DROPPED = new Set(['$schema', '$id', '$comment', '$defs', 'title', 'examples', 'default', 'propertyNames']);
const HANDLED = new Set([
  'type',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  '$ref',
  'allOf',
  'anyOf',
]);

/** Converts `schema`, resolving `#/$defs/...` references against `defs`. */
export function toStructural(schema: Schema, defs: Record<string, Schema>): StructuralResult {
  const notes: ConversionNote[] = [];
  const converted = convert(schema, { defs, notes, refStack: [], path: '' });
  return { schema: converted, notes };
}

interface Context {
  defs: Record<string, Schema>;
  notes: ConversionNote[];
  refStack: string[];
  path: string;
}

/** An object or value Kubernetes stores as it is. */
function anyValue(description: unknown): Schema {
  return { ...(typeof description === 'string' ? { description } : {}), 'x-kubernetes-preserve-unknown-fields': true };
}

function convert(input: Schema, ctx: Context): Schema {
  const node: Schema = { ...input };
  // Inline a $ref; the referring node's own keywords (a description) win over the target's.
  if (typeof node.$ref === 'string') {
    const name = refName(node.$ref);
    const target = ctx.defs[name];
    if (!target) throw new Error(`${ctx.path || '/'}: unresolved $ref ${node.$ref}`);
    const { $ref: _ref, ...own } = node;
    if (ctx.refStack.includes(name)) {
      // Kubernetes schemas cannot recurse: below the first level the value is kept as it is (the
      // JSON Schema gate has already checked it).
      ctx.notes.push({ path: ctx.path, message: `recursive $ref ${name}: nested levels keep every field (checked by interlace validate)` });
      return { type: 'object', ...anyValue(own.description ?? target.description) };
    }
    const inner = convert(target, { ...ctx, refStack: [...ctx.refStack, name] });
    const ownConverted = Object.keys(own).length > 0 ? convertOwn(own, ctx) : {};
    return { ...inner, ...ownConverted };
  }
  return convertOwn(node, ctx);
}

function convertOwn(node: Schema, ctx: Context): Schema {
  for (const key of Object.keys(node)) {
    if (!HANDLED.has(key) && !DROPPED.has(key))
      throw new Error(
        `${ctx.path || '/'}: JSON Schema keyword "${key}" has no structural conversion; add one in generators/crds/structural-schema.ts`,
      );
  }
  const out: Schema = {};
  const validations: { rule: string; message: string }[] = [];
  if (typeof node.description === 'string') out.description = node.description;

  // allOf: inline $ref members (they add keywords to this node); if/then members become CEL.
  let merged = false;
  if (Array.isArray(node.allOf)) {
    for (const member of node.allOf as Schema[]) {
      if (member.if !== undefined) {
        validations.push(ifThenRule(member, ctx));
      } else if (member.$ref !== undefined) {
        Object.assign(out, convert(member, ctx));
        if (typeof node.description === 'string') out.description = node.description;
        merged = true;
      } else {
        throw new Error(`${ctx.path}: allOf member ${JSON.stringify(member)} has no structural conversion`);
      }
    }
  }
  if (Array.isArray(node.anyOf)) {
    const alternatives = (node.anyOf as Schema[]).map((member) => {
      const keys = Object.keys(member);
      if (keys.length !== 1 || !Array.isArray(member.required))
        throw new Error(`${ctx.path}: anyOf member ${JSON.stringify(member)} has no structural conversion`);
      return member.required as string[];
    });
    // CEL's has() needs a field with a schema type; a field that may hold any JSON value
    // (x-kubernetes-preserve-unknown-fields, e.g. a mapping test's `expected`) makes the API server
    // refuse the whole CRD ("undefined field"). Such a rule is left to `interlace validate`.
    const properties = (node.properties ?? {}) as Record<string, Schema>;
    const untyped = alternatives.flat().filter((field) => !hasSingleType(properties[field]));
    if (untyped.length > 0) {
      ctx.notes.push({
        path: ctx.path,
        message: `anyOf of required fields not checked by Kubernetes: ${untyped.map((f) => `\`${f}\``).join(', ')} has no single type for CEL`,
      });
    } else {
      validations.push({
        rule: alternatives.map((fields) => fields.map((f) => `has(self.${f})`).join(' && ')).join(' || '),
        message: `set ${alternatives.map((fields) => fields.map((f) => `\`${f}\``).join(' and ')).join(' or ')}`,
      });
    }
  }

  let type = node.type;
  if (node.const !== undefined) {
    out.enum = [node.const];
    type ??= jsonType([node.const]);
  }
  if (Array.isArray(node.enum)) {
    out.enum = [...node.enum];
    type ??= jsonType(node.enum);
  }
  if (Array.isArray(type)) {
    // Several types (`string | number | boolean`): Kubernetes has no union type; keep the value as is.
    ctx.notes.push({ path: ctx.path, message: `type ${JSON.stringify(type)}: stored as arbitrary JSON` });
    return anyValue(out.description);
  }
  if (type === undefined && out.type === undefined) {
    if (node.properties !== undefined || node.additionalProperties !== undefined) type = 'object';
    else if (node.items !== undefined) type = 'array';
    else return anyValue(out.description); // `{}`: any JSON value
  }
  if (type !== undefined) out.type = type;

  // A node that only wraps a $ref in allOf already has the referenced object's shape.
  const ownObjectKeywords = node.properties !== undefined || node.additionalProperties !== undefined || node.required !== undefined;
  if (out.type === 'object' && (!merged || ownObjectKeywords)) {
    const props = node.properties as Record<string, Schema> | undefined;
    if (props) {
      const converted: Record<string, Schema> = {};
      for (const [name, sub] of Object.entries(props)) converted[name] = convert(sub, { ...ctx, path: `${ctx.path}.${name}` });
      out.properties = { ...(out.properties as object | undefined), ...converted };
    }
    if (Array.isArray(node.required) && node.required.length > 0) out.required = [...(node.required as string[])];
    const additional = node.additionalProperties;
    if (additional === false) {
      // Closed: Kubernetes prunes unknown fields (and strict field validation reports them).
    } else if (additional !== undefined && additional !== true && !props) {
      out.additionalProperties = convert(additional as Schema, { ...ctx, path: `${ctx.path}.*` });
    } else if (out.properties === undefined && out.additionalProperties === undefined) {
      out['x-kubernetes-preserve-unknown-fields'] = true; // an open object with no declared fields: arbitrary JSON
    } else if (additional === undefined || additional === true) {
      out['x-kubernetes-preserve-unknown-fields'] = true; // open: the document may carry more fields
    } else {
      ctx.notes.push({ path: ctx.path, message: 'additionalProperties beside properties: extra fields are kept unchecked' });
      out['x-kubernetes-preserve-unknown-fields'] = true;
    }
    for (const key of ['minProperties', 'maxProperties'] as const) if (typeof node[key] === 'number') out[key] = node[key];
  }

  if (out.type === 'array') {
    const items = node.items as Schema | undefined;
    out.items = items ? convert(items, { ...ctx, path: `${ctx.path}[]` }) : anyValue(undefined);
    for (const key of ['minItems', 'maxItems'] as const) if (typeof node[key] === 'number') out[key] = node[key];
    if (node.uniqueItems === true) {
      const itemType = (out.items as Schema).type;
      if (itemType === 'string' || itemType === 'integer' || itemType === 'number' || itemType === 'boolean')
        out['x-kubernetes-list-type'] = 'set';
      else ctx.notes.push({ path: ctx.path, message: 'uniqueItems on non-scalar items: not checked by Kubernetes' });
    }
  }

  if (out.type === 'string') {
    for (const key of ['minLength', 'maxLength'] as const) if (typeof node[key] === 'number') out[key] = node[key];
    if (typeof node.pattern === 'string') {
      const go = toGoRegex(node.pattern);
      if (go.ok) out.pattern = go.pattern;
      else ctx.notes.push({ path: ctx.path, message: `pattern ${JSON.stringify(node.pattern)} dropped: it ${go.reason}` });
    }
    if (typeof node.format === 'string') {
      if (KUBERNETES_FORMATS.has(node.format)) out.format = node.format;
      else ctx.notes.push({ path: ctx.path, message: `format "${node.format}" is not one Kubernetes knows: dropped` });
    }
  }

  if (out.type === 'integer' || out.type === 'number') {
    for (const key of ['minimum', 'maximum', 'multipleOf'] as const) if (typeof node[key] === 'number') out[key] = node[key];
    // 2020-12 spells exclusive bounds as numbers; OpenAPI v3.0 as booleans beside minimum/maximum.
    if (typeof node.exclusiveMinimum === 'number') {
      out.minimum = node.exclusiveMinimum;
      out.exclusiveMinimum = true;
    }
    if (typeof node.exclusiveMaximum === 'number') {
      out.maximum = node.exclusiveMaximum;
      out.exclusiveMaximum = true;
    }
  }

  if (validations.length > 0) out['x-kubernetes-validations'] = [...((out['x-kubernetes-validations'] as unknown[]) ?? []), ...validations];
  return out;
}

function refName(ref: string): string {
  const match = /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(ref);
  if (!match) throw new Error(`only local #/$defs references are supported, got ${ref}`);
  return match[1]!;
}

function jsonType(values: readonly unknown[]): string | string[] {
  const types = new Set(
    values.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : v === null ? 'null' : typeof v)),
  );
  if (types.size === 2 && types.has('integer') && types.has('number')) return 'number';
  if (types.size === 1) return [...types][0]!;
  return [...types];
}

/**
 * `{if: {properties: {p: {const|enum}}}, then: {required: [...]}}` → a CEL rule with the same meaning.
 * JSON Schema's `if` also holds when `p` is absent, so the rule does too.
 */
function ifThenRule(member: Schema, ctx: Context): { rule: string; message: string } {
  const condition = member.if as Schema;
  const then = member.then as Schema;
  const props = condition.properties as Record<string, Schema> | undefined;
  const keys = Object.keys(member).filter((k) => k !== 'if' && k !== 'then');
  if (
    !props ||
    Object.keys(props).length !== 1 ||
    keys.length > 0 ||
    Object.keys(then).some((k) => k !== 'required') ||
    Object.keys(condition).some((k) => k !== 'properties' && k !== 'required')
  ) {
    throw new Error(`${ctx.path}: if/then ${JSON.stringify(member)} has no CEL conversion`);
  }
  const [field, test] = Object.entries(props)[0]!;
  const values = (test.const !== undefined ? [test.const] : test.enum) as unknown[] | undefined;
  if (!values || values.some((v) => typeof v !== 'string')) throw new Error(`${ctx.path}: if/then on ${field} needs string const/enum`);
  const required = then.required as string[];
  const list = `[${values.map((v) => `'${v}'`).join(', ')}]`;
  const matches = `!has(self.${field}) || self.${field} in ${list}`;
  return {
    rule: `!(${matches}) || (${required.map((f) => `has(self.${f})`).join(' && ')})`,
    message: `${required.map((f) => `\`${f}\``).join(' and ')} ${required.length === 1 ? 'is' : 'are'} required when \`${field}\` is ${values.map((v) => `\`${v}\``).join(' or ')}`,
  };
}

/** A property schema that converts to one Kubernetes type (CEL can test its presence with has()). */
function hasSingleType(schema: Schema | undefined): boolean {
  if (schema === undefined) return false;
  if (typeof schema.type === 'string') return true;
  return schema.$ref !== undefined || schema.properties !== undefined || schema.enum !== undefined || schema.const !== undefined;
}

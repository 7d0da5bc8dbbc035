import type { PathSegment } from '../../language/diagnostics/diagnostic.ts';
import { didYouMean } from '../../lib/did-you-mean.ts';
import { BANNER } from '../shared/banner.ts';
import { CodeBuilder } from '../shared/code-builder.ts';
import type { Span } from '../shared/code-builder.ts';
import { formatFieldPath, parseFieldPath } from '../../language/schema/field-path.ts';
import type { FieldSegment } from '../../language/schema/field-path.ts';
import { jsonLiteral, mappingFunctionName, propertyAccess, propertyKey } from '../shared/naming.ts';
import { registryOf } from '../../language/schema/registry.ts';
import { alternatives, formatOf, isListSchema, itemSchemas, requiredNames, walk } from '../../language/schema/schema-walk.ts';
import { compileCel } from './cel/compile-cel.ts';
import type { SupportHelper } from './cel/compile-cel.ts';
import { applyConversions } from './conversions.ts';
import type { ConvertSpec } from './conversions.ts';
import type { GenerateProblem } from './problem.ts';

/** A JSON Schema as a contract writes it; only the schema walkers look inside. */
type Schema = unknown;

/** A contract major as the mapping compiler sees it. */
export interface ContractInfo {
  /** `order@2`, for messages. */
  reference: string;
  /** `OrderV2`. */
  typeName: string;
  schema: Schema;
}

export interface MappingInput {
  name: string;
  spec: MappingSpec;
  source: ContractInfo;
  target: ContractInfo;
  /** The answer contract of each `spec.enrich` entry, by its name (all resolved: generate skips the mapping otherwise). */
  enrich?: ReadonlyMap<string, ContractInfo>;
}

/** The parts of a Mapping spec the compiler reads (mapping.schema.json). */
export interface MappingSpec {
  unwrap?: string;
  /** Fan-out: one output message per item of this source list (`rules` then map the item). */
  each?: string;
  rules?: RuleSpec[];
  lookups?: Record<string, Record<string, string | number | boolean>>;
  /** Values read from Systems before the mapping runs (the worker calls; the mapping reads `enriched.<name>`). */
  enrich?: Record<string, EnrichSpec>;
}

/** One `spec.enrich` entry (mapping.schema.json): a GET by key whose answer the rules read. */
export interface EnrichSpec {
  system: string;
  operation: string;
  /** Placeholders that are System parameters (`companyId`), filled by the worker from the environment. */
  parameters?: string[];
  contract: string;
  unwrap?: string;
  optional?: boolean;
  cache?: { ttl?: string; maxEntries?: number };
}

export interface RuleSpec {
  target: string;
  from?: string;
  value?: unknown;
  expr?: string;
  lookup?: { table: string; from: string; default?: unknown };
  each?: string;
  rules?: RuleSpec[];
  convert?: ConvertSpec;
  default?: unknown;
  when?: string;
}

export interface CompiledMapping {
  name: string;
  /** `mapSapOrderToOrder`: typed `(source: SourceV1) => TargetV2`. */
  functionName: string;
  /** `mapSapOrderToOrderMessage`: `(message: unknown) => TargetV2`, unwrapping the envelope first. */
  messageFunctionName: string;
  /** One message in, a list of messages out (`spec.each`): the functions return `Target[]`. */
  fanOut: boolean;
  /**
   * `mapXEnrichKeys`, with `spec.enrich`: `(message: unknown) => { <name>: { <placeholder>: value } }`,
   * the source values that fill each enrichment's operation path. The functions then take a second
   * argument, `enriched` (`{ <name>: <answer> }`), which the worker resolves before calling them.
   */
  enrichKeysFunctionName?: string;
  /** Module text, importing `../types.ts` and `../support/index.ts`. */
  text: string;
  /** Which span of `text` came from which YAML path (for type errors). */
  spans: Span<PathSegment[]>[];
  /** YAML paths of rules that already have a problem: type errors inside them are not reported again. */
  problemPaths: PathSegment[][];
  problems: GenerateProblem[];
}

interface Scope {
  /** TypeScript name of the current source object (`source`, or `item`/`item2` inside `each`). */
  sourceVar: string;
  celVars: Map<string, string>;
  sourceSchemas: Schema[];
  targetSchemas: Schema[];
  /** TypeScript type of the object being built (`OrderV2`, `NonNullable<OrderV2["lines"]>[number]`). */
  targetType: string;
  /** Path of the object being built, for messages (`lines[].`, `incoterms.`). */
  targetPrefix: string;
  /** Prefix of the enclosing `each` lists (`lines[].`): a rule's `target` is relative to it. */
  rulePrefix: string;
  /**
   * True inside an optional object that is left out when one of its required fields is missing:
   * there a required field whose `when` rules all fail makes the object absent instead of failing.
   */
  omitting: boolean;
  /** YAML path of the rules list. */
  rulesPath: PathSegment[];
  depth: number;
  /** The `each` source list could not be resolved (already reported): item paths are not checked again. */
  unknownSource?: boolean;
  /**
   * The rules of a fan-out's item (not of a list inside it): a field whose value does not depend on
   * the item is computed once per message, before the items (`MappingCompiler.perMessage`).
   */
  perMessage?: boolean;
}

interface TargetNode {
  /** Rules that make this field, with their YAML paths, in spec order. */
  rules: { rule: RuleSpec; path: PathSegment[] }[];
  children: Map<string, TargetNode>;
  /** Path of the first rule that reaches this node (for positioning). */
  firstPath: PathSegment[];
}

const RESERVED_SCOPE = ['source', 'item', 'index', 'first', 'last', 'enriched'];

/** `{sku}`, `{header.plant}` in an enrichment's operation. */
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** True when the target field's schema lets it hold null (`type: [string, "null"]`, `const: null`, `enum: [.., null]`). */
function allowsNull(schemas: readonly unknown[], root: unknown): boolean {
  return schemas
    .flatMap((s) => alternatives(s, root))
    .some(
      (s) =>
        s.type === 'null' ||
        (Array.isArray(s.type) && s.type.includes('null')) ||
        s.const === null ||
        (Array.isArray(s.enum) && s.enum.includes(null)),
    );
}

/** True when the target field holds one scalar (string, number, integer, boolean, or null), never an object or list. */
function isScalarSchema(schemas: readonly unknown[], root: unknown): boolean {
  const nodes = schemas.flatMap((s) => alternatives(s, root));
  const scalar = (t: unknown) => t === 'string' || t === 'number' || t === 'integer' || t === 'boolean' || t === 'null';
  const plain = (v: unknown) => v === null || typeof v !== 'object';
  let typed = false;
  for (const s of nodes) {
    if (s.properties !== undefined || s.items !== undefined) return false;
    if (s.type !== undefined) {
      typed = true;
      if (!(Array.isArray(s.type) ? s.type.every(scalar) : scalar(s.type))) return false;
    }
    if (Array.isArray(s.enum)) {
      typed = true;
      if (!s.enum.every(plain)) return false;
    }
    if ('const' in s) {
      typed = true;
      if (!plain(s.const)) return false;
    }
  }
  return typed;
}

/** Names an expression uses to read the fan-out's item; a word match, so a false alarm only costs the hoisting. */
const ITEM_NAMES = /\b(item|index|first|last)\b/;

/**
 * Do these rules make the same value for every item of a fan-out? Only expressions (and `when`s)
 * that name none of the item's variables: `from` and `lookup` paths are relative to the item.
 */
function perMessageRules(rules: readonly { rule: RuleSpec }[]): boolean {
  return (
    rules.some(({ rule }) => rule.expr !== undefined || rule.when !== undefined) &&
    rules.every(
      ({ rule }) =>
        rule.from === undefined &&
        rule.lookup === undefined &&
        rule.each === undefined &&
        rule.rules === undefined &&
        [rule.expr, rule.when].every((e) => e === undefined || !ITEM_NAMES.test(e)),
    )
  );
}

/** Does a rule (or a rule inside it) name `index`, `first` or `last` in an expression? */
function readsPosition(rules: readonly RuleSpec[]): boolean {
  return rules.some(
    (r) => [r.expr, r.when].some((e) => e !== undefined && /\b(index|first|last)\b/.test(e)) || readsPosition(r.rules ?? []),
  );
}

/**
 * Compiles one Mapping into a TypeScript module exporting a typed function. Pure. Every field name
 * becomes a validated identifier or a JSON string literal, every constant a JSON literal, every
 * expression a compiled CEL AST — no spec text is pasted into code. Problems found here (unknown
 * fields, unmapped required fields, unsupported expressions) are returned; type errors are found
 * later by type-checking the module, and located through `spans`.
 */
export function compileMapping(input: MappingInput): CompiledMapping {
  return new MappingCompiler(input).run();
}

class MappingCompiler {
  private readonly input: MappingInput;
  private b = new CodeBuilder<PathSegment[]>();
  private readonly problems: GenerateProblem[] = [];
  private readonly problemPaths: PathSegment[][] = [];
  private readonly helpers = new Set<string>();
  private readonly hoisted: string[] = [];
  private readonly tables = new Map<string, string>();
  /** Counter for the parameters that hold required fields of optional objects (`req_1`). */
  private requiredParams = 0;
  /** While a fan-out's item is compiled: where the per-message values go (`const once_1 = …;`). */
  private perMessage: CodeBuilder<PathSegment[]> | undefined;
  private perMessageValues = 0;

  constructor(input: MappingInput) {
    this.input = input;
  }

  run(): CompiledMapping {
    const { input } = this;
    const functionName = mappingFunctionName(input.name);
    const messageFunctionName = `${functionName}Message`;
    const root = input.target.schema;
    const enrichEntries = Object.entries(input.spec.enrich ?? {});
    const enriches = enrichEntries.length > 0;
    const enrichedType = `${functionName.charAt(0).toUpperCase()}${functionName.slice(1)}Enriched`;
    const enrichedParam = enriches ? `, enriched: ${enrichedType}` : '';
    const scope: Scope = {
      sourceVar: 'source',
      celVars: new Map(
        enriches
          ? [
              ['source', 'source'],
              ['enriched', 'enriched'],
            ]
          : [['source', 'source']],
      ),
      sourceSchemas: [input.source.schema],
      targetSchemas: [root],
      targetType: input.target.typeName,
      targetPrefix: '',
      rulePrefix: '',
      omitting: false,
      rulesPath: ['spec', 'rules'],
      depth: 0,
    };

    // The function body is written first, into its own builder, because it decides which helpers,
    // tables and patterns the module header declares; spans are shifted by the header length.
    const body = new CodeBuilder<PathSegment[]>();
    const saved = this.b;
    this.b = body;
    const fanOut = input.spec.each !== undefined;
    const returnType = fanOut ? `${input.target.typeName}[]` : input.target.typeName;
    body.line(
      fanOut
        ? `/** Maps ${input.source.reference} to one ${input.target.reference} per item of \`${input.spec.each!.replace(/\*\//g, '* /')}\` (Mapping ${input.name}, fan-out). */`
        : `/** Maps ${input.source.reference} to ${input.target.reference} (Mapping ${input.name}). */`,
    );
    if (enriches) this.enrichedDeclaration(enrichedType, enrichEntries);
    body.write(`export function ${functionName}(source: ${input.source.typeName}${enrichedParam}): ${returnType} `).line('{');
    body.indent(() => {
      if (fanOut) this.fanOutBody(input.spec.each!, scope);
      else {
        body.write('return ');
        this.objectLiteral(this.buildTree(input.spec.rules ?? [], scope), scope);
        body.line(';');
      }
    });
    body.line('}');
    body.line('');
    const unwrapPath = this.unwrapPath();
    body.line(
      `/** Maps a message as it arrives${
        unwrapPath.length > 0
          ? ` (the payload is unwrapped from ${unwrapPath
              .map((s) => jsonLiteral(s))
              .join(' → ')
              .replace(/\*\//g, '* /')})`
          : ''
      }. */`,
    );
    body.write(`export function ${messageFunctionName}(message: unknown${enrichedParam}): ${returnType} `).line('{');
    const unwrapped =
      unwrapPath.length > 0
        ? `${this.helper('unwrap')}(message, ${jsonLiteral(unwrapPath)}, "(unwrap)") as ${input.source.typeName}`
        : `message as ${input.source.typeName}`;
    body.indent(() => {
      body.line(`return ${functionName}(${unwrapped}${enriches ? ', enriched' : ''});`);
    });
    body.line('}');
    const enrichKeysFunctionName = enriches ? `${functionName}EnrichKeys` : undefined;
    if (enrichKeysFunctionName) this.enrichKeysFunction(enrichKeysFunctionName, enrichEntries, unwrapped, scope);
    this.b = saved;

    const header = new CodeBuilder<PathSegment[]>();
    header.line(BANNER);
    const types = [
      ...new Set([input.source.typeName, input.target.typeName, ...[...(input.enrich?.values() ?? [])].map((c) => c.typeName)]),
    ].sort();
    header.line(`import type { ${types.join(', ')} } from '../types.js';`);
    if (this.helpers.size > 0) header.line(`import { ${[...this.helpers].sort().join(', ')} } from '../support/index.js';`);
    header.line('');
    for (const [table, constName] of [...this.tables].sort((a, b) => (a[1] < b[1] ? -1 : 1))) {
      header.line(this.tableDeclaration(table, constName));
    }
    this.hoisted.forEach((init, i) => {
      header.line(`const PATTERN_${i + 1} = ${init};`);
    });
    if (this.tables.size > 0 || this.hoisted.length > 0) header.line('');
    const head = header.finish().text;
    const built = body.finish();
    return {
      name: input.name,
      functionName,
      messageFunctionName,
      fanOut,
      ...(enrichKeysFunctionName ? { enrichKeysFunctionName } : {}),
      text: head + built.text,
      spans: built.spans.map((s) => ({ ...s, start: s.start + head.length, end: s.end + head.length })),
      problemPaths: this.problemPaths,
      problems: this.problems,
    };
  }

  private helper(name: string): string {
    this.helpers.add(name);
    return name;
  }

  /**
   * `export interface MapXEnriched { item: ErpItemV1; ... }`: what the worker passes as `enriched`.
   * An `optional` entry may be absent (a 404), so a rule that reads it into a required field is a
   * type error at that rule, like any optional source field.
   */
  private enrichedDeclaration(typeName: string, entries: [string, EnrichSpec][]): void {
    const { b } = this;
    b.line(`/** What the worker read from Systems for one message (\`spec.enrich\`), by name. */`);
    b.line(`export interface ${typeName} {`);
    b.indent(() => {
      for (const [name, spec] of entries) {
        const contract = this.input.enrich?.get(name);
        const type = contract?.typeName ?? 'unknown';
        b.line(spec.optional === true ? `${propertyKey(name)}?: ${type} | undefined;` : `${propertyKey(name)}: ${type};`);
      }
    });
    b.line('}');
    b.line('');
  }

  /**
   * `export function mapXEnrichKeys(message)`: the source value of every placeholder of every
   * enrichment's operation, read from the (unwrapped) message. Each placeholder must be a field of the
   * source contract — an error at the operation's line otherwise, with did-you-mean.
   */
  private enrichKeysFunction(functionName: string, entries: [string, EnrichSpec][], unwrapped: string, scope: Scope): void {
    const { b } = this;
    const values: string[] = [];
    for (const [name, spec] of entries) {
      const at: PathSegment[] = ['spec', 'enrich', name, 'operation'];
      if (!/^GET \//.test(spec.operation)) {
        this.problem(
          at,
          'mapping-unsupported',
          `enrich ${name}: \`${spec.operation}\` is not a GET`,
          'Write `GET /path/{field}`: an enrichment reads, it never changes a System.',
        );
        continue;
      }
      const fields: string[] = [];
      for (const match of spec.operation.matchAll(PLACEHOLDER)) {
        const text = match[1]!;
        if (spec.parameters?.includes(text)) continue;
        const parsed = parseFieldPath(text);
        if (!parsed.ok || parsed.segments.some((s) => s.list)) {
          this.problem(
            at,
            'mapping-field-unknown',
            `enrich ${name}: placeholder {${text}} is not a field path${parsed.ok ? ' (a list has no single value)' : `: ${parsed.message}`}`,
            'Write a field of the source message, e.g. `{sku}` or `{header.plant}`, or list a System parameter under `parameters`.',
          );
          continue;
        }
        const code = this.compilePath(parsed.segments, at, scope, at, false, `enrich ${name}: placeholder {${text}}: `);
        if (code !== undefined) fields.push(`${jsonLiteral(text)}: ${code}`);
      }
      values.push(`${propertyKey(name)}: { ${fields.join(', ')} }`);
    }
    b.line('/** The source values that fill the `spec.enrich` operations of one message (the worker calls them). */');
    b.write(`export function ${functionName}(message: unknown): Record<string, Record<string, unknown>> `).line('{');
    b.indent(() => {
      b.line(`const source = ${unwrapped};`);
      b.line(`return { ${values.join(', ')} };`);
    });
    b.line('}');
  }

  private problem(
    path: PathSegment[],
    code: string,
    message: string,
    hint: string,
    options: { key?: boolean; rulePath?: PathSegment[] } = {},
  ): void {
    this.problems.push({ code, path, message, hint, key: options.key });
    this.problemPaths.push(options.rulePath ?? path);
  }

  private unwrapPath(): string[] {
    if (this.input.spec.unwrap === undefined) return [];
    const parsed = parseFieldPath(this.input.spec.unwrap);
    if (!parsed.ok || parsed.segments.some((s) => s.list)) {
      this.problem(
        ['spec', 'unwrap'],
        'mapping-field-unknown',
        `unwrap \`${this.input.spec.unwrap}\` is not a path of property names${parsed.ok ? '' : `: ${parsed.message}`}`,
        'Write the envelope path with dots, e.g. `d` for an OData V2 entity.',
      );
      return [];
    }
    return parsed.segments.map((s) => s.name);
  }

  /** Groups a rules list by target field (`customer.name` nests under `customer`) and checks targets. */
  private buildTree(rules: RuleSpec[], scope: Scope): TargetNode {
    const root: TargetNode = { rules: [], children: new Map(), firstPath: scope.rulesPath };
    rules.forEach((rule, i) => {
      const path = [...scope.rulesPath, i];
      const parsed = parseFieldPath(rule.target);
      if (!parsed.ok) {
        this.problem(
          [...path, 'target'],
          'mapping-field-unknown',
          `target \`${rule.target}\`: ${parsed.message}`,
          'Write the target field as a path, e.g. `customer.name`.',
          { rulePath: path },
        );
        return;
      }
      if (parsed.segments.some((s) => s.list)) {
        this.problem(
          [...path, 'target'],
          'mapping-field-unknown',
          `target \`${rule.target}\` steps into a list; a list is made by one rule with \`each\``,
          `Write \`target: ${parsed.segments[0]!.name}\` with \`each: <source list>\` and item \`rules\`.`,
          { rulePath: path },
        );
        return;
      }
      const found = walk(scope.targetSchemas, parsed.segments, this.input.target.schema);
      if (!found.ok) {
        const suggestion = didYouMean(found.missing, found.available);
        const at = formatFieldPath(parsed.segments.slice(0, found.at));
        this.problem(
          [...path, 'target'],
          'mapping-field-unknown',
          `${scope.rulePrefix}${rule.target}: ${this.describeObject('target', scope, at)} has no property '${found.missing}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
          suggestion
            ? `Write \`${formatFieldPath([...parsed.segments.slice(0, found.at), { name: suggestion, list: false }])}\`.`
            : `Fields there: ${found.available.slice(0, 12).join(', ') || '(none)'}.`,
          { rulePath: path },
        );
        return;
      }
      let node = root;
      for (const segment of parsed.segments) {
        let child = node.children.get(segment.name);
        if (!child) {
          child = { rules: [], children: new Map(), firstPath: path };
          node.children.set(segment.name, child);
        }
        node = child;
      }
      node.rules.push({ rule, path });
    });
    return root;
  }

  /** `OrderV2`, `OrderV2 line` (inside `lines[]`), `OrderV2 customer`. */
  private describeObject(side: 'target' | 'source', scope: Scope, inner: string): string {
    const contract = side === 'target' ? this.input.target.typeName : this.input.source.typeName;
    const prefix = side === 'target' ? scope.targetPrefix : '';
    const where = `${prefix}${inner}`.replace(/\.$/, '');
    if (where === '') return contract;
    const last = /([A-Za-z0-9_]+)(\[\])?$/.exec(where);
    const noun = last ? (last[2] && last[1]!.endsWith('s') ? last[1]!.slice(0, -1) : last[1]!) : where;
    return `${contract} ${noun}`;
  }

  /**
   * Writes `{ key: value, ... }` for one node, and checks that required fields are made. An optional
   * object with required fields (`incoterms` needs `code`) is made only when those fields have a
   * value: `((req_1) => req_1 == null ? undefined : { code: req_1, ... })(<code's rule>)`, so a
   * missing `code` leaves `incoterms` out instead of producing an invalid `{}`.
   */
  private objectLiteral(node: TargetNode, scope: Scope, optional = false): void {
    const { b } = this;
    const required = new Set(requiredNames(scope.targetSchemas, this.input.target.schema));
    const deferred = optional
      ? [...node.children].filter(([key, child]) => required.has(key) && child.rules.length > 0 && child.children.size === 0)
      : [];
    const params = new Map(deferred.map(([key]) => [key, `req_${++this.requiredParams}`]));
    // The other fields of an object made only when its required fields have a value are evaluated
    // only then: none of them moves out to run for every message (it could fail one that leaves the
    // object out). The required fields themselves are always evaluated, so they may.
    const fields: Scope = params.size > 0 ? { ...scope, perMessage: false } : scope;
    if (params.size > 0) {
      // Each parameter is typed as its field (or missing), so a rule's value is checked against the
      // contract where it is written, and literal types ("customer") are not widened to string.
      const declared = [...params].map(([key, p]) => `${p}: ${scope.targetType}[${jsonLiteral(key)}] | null | undefined`);
      // The return type makes the checker report a wrong field at its own rule, not at the object.
      b.write(
        `((${declared.join(', ')}): ${scope.targetType} | undefined => ${[...params.values()].map((p) => `${p} == null`).join(' || ')} ? undefined : `,
      );
    } else if (optional) {
      // An optional object whose fields all come out absent is left out (not `{}`); the type argument
      // keeps type errors at the field's rule.
      b.write(`${this.helper('omitEmpty')}<${scope.targetType}>(`);
    }
    b.line('{');
    b.indent(() => {
      for (const [key, child] of node.children) {
        // The key is inside the rule's span: the checker reports assignability errors at the key.
        b.span(child.rules[0]?.path ?? child.firstPath, () => {
          b.write(`${propertyKey(key)}: `);
          const param = params.get(key);
          if (param !== undefined) {
            b.write(param);
            return;
          }
          const childTargets = walk(scope.targetSchemas, [{ name: key, list: false }], this.input.target.schema);
          const childSchemas = childTargets.ok ? childTargets.schemas : [];
          if (child.rules.length > 0 && child.children.size > 0) {
            this.problem(
              [...child.children.values().next().value!.firstPath, 'target'],
              'duplicate-entry',
              `${scope.targetPrefix}${key} is made by a rule and also has rules for its fields`,
              'Keep either the rule for the whole object or the rules for its fields.',
            );
          }
          if (child.children.size > 0 && child.rules.length === 0) {
            const inner = {
              ...fields,
              targetSchemas: childSchemas,
              targetType: `NonNullable<${scope.targetType}[${jsonLiteral(key)}]>`,
              targetPrefix: `${scope.targetPrefix}${key}.`,
            };
            this.objectLiteral(child, { ...inner, omitting: scope.omitting || !required.has(key) }, !required.has(key));
          } else {
            this.fieldValue(key, child.rules, { ...fields }, childSchemas, required.has(key));
          }
        });
        b.line(',');
      }
    });
    b.write('}');
    if (params.size === 0 && optional) b.write(')');
    if (params.size > 0) {
      b.write(')(');
      deferred.forEach(([key, child], i) => {
        if (i > 0) b.write(', ');
        const childTargets = walk(scope.targetSchemas, [{ name: key, list: false }], this.input.target.schema);
        b.span(child.rules[0]!.path, () =>
          this.fieldValue(
            key,
            child.rules,
            { ...scope, omitting: true },
            childTargets.ok ? childTargets.schemas : [],
            true,
            `${scope.targetType}[${jsonLiteral(key)}] | null | undefined`,
          ),
        );
      });
      b.write(')');
    }
    this.checkRequired(node, scope);
  }

  private checkRequired(node: TargetNode, scope: Scope): void {
    const required = requiredNames(scope.targetSchemas, this.input.target.schema);
    const missing = required.filter((name) => !node.children.has(name));
    if (missing.length === 0) return;
    const where =
      scope.targetPrefix === '' ? this.input.target.reference : `${this.input.target.reference} ${scope.targetPrefix.replace(/\.$/, '')}`;
    for (const name of missing) {
      this.problems.push({
        code: 'mapping-target-unmapped',
        path: node.firstPath === scope.rulesPath ? scope.rulesPath : [...node.firstPath, 'target'],
        key: node.firstPath === scope.rulesPath,
        message: `required target field \`${scope.targetPrefix}${name}\` is not mapped; ${where} requires it`,
        hint: `Add a rule \`- target: ${name}\` with \`from\`, \`value\`, \`expr\` or \`lookup\`.`,
      });
    }
  }

  /**
   * The value of one target field: one rule, or `when`-guarded rules chained with `?:`. When every
   * rule has a `when` and none applies, an optional field is left out, a required field of an object
   * that may be left out leaves it out, and any other required field fails the message.
   */
  private fieldValue(
    key: string,
    rules: { rule: RuleSpec; path: PathSegment[] }[],
    scope: Scope,
    targetSchemas: Schema[],
    required = false,
    /** The type the value is checked against (the field's, unless it is an optional object's required field). */
    valueType = `${scope.targetType}[${jsonLiteral(key)}]`,
  ): void {
    const perMessage = this.perMessage;
    if (
      perMessage !== undefined &&
      scope.perMessage === true &&
      perMessageRules(rules) &&
      isScalarSchema(targetSchemas, this.input.target.schema)
    ) {
      // The same for every item: computed once, before the items, into a constant typed as the
      // field (so the checker still reports a wrong value at its rule), which each item then reads.
      const name = `once_${++this.perMessageValues}`;
      const item = this.b;
      this.b = perMessage;
      perMessage.span(rules[0]!.path, () => {
        perMessage.write(`const ${name}: ${valueType} = `);
        this.fieldValue(key, rules, { ...scope, perMessage: false }, targetSchemas, required, valueType);
      });
      perMessage.line(';');
      this.b = item;
      item.write(name);
      return;
    }
    const guarded = rules.filter((r) => r.rule.when !== undefined);
    const fallback = rules.find((r) => r.rule.when === undefined);
    if (guarded.length === 0 && fallback) {
      this.b.span(fallback.path, () => this.ruleValue(key, fallback.rule, fallback.path, scope, targetSchemas, required));
      return;
    }
    for (const { rule, path } of guarded) {
      this.b.span(path, () => {
        this.b.write('(');
        this.b.span([...path, 'when'], () =>
          this.b.write(this.expression(rule.when!, [...path, 'when'], scope, path, `${scope.rulePrefix}${rule.target}`)),
        );
        this.b.write(') ? ');
        this.ruleValue(key, rule, path, scope, targetSchemas, required);
      });
      this.b.write(' : ');
    }
    if (fallback) this.b.span(fallback.path, () => this.ruleValue(key, fallback.rule, fallback.path, scope, targetSchemas, required));
    else if (required && !scope.omitting)
      this.b.write(
        `${this.helper('noRuleApplies')}(${jsonLiteral(`${scope.rulePrefix}${guarded[0]!.rule.target}`)}, ${jsonLiteral(this.input.target.reference)})`,
      );
    else this.b.write('undefined');
  }

  private ruleValue(key: string, rule: RuleSpec, path: PathSegment[], scope: Scope, targetSchemas: Schema[], required: boolean): void {
    const { b } = this;
    const target = `${scope.rulePrefix}${rule.target}`;
    if (rule.each !== undefined) {
      this.eachValue(key, rule, path, scope, targetSchemas, required);
      return;
    }
    let value: string;
    let part: PathSegment = 'value';
    if (rule.from !== undefined) {
      part = 'from';
      value = this.sourcePath(rule.from, [...path, 'from'], scope, path) ?? 'undefined';
    } else if (rule.expr !== undefined) {
      part = 'expr';
      value = this.expression(rule.expr, [...path, 'expr'], scope, path, target);
    } else if (rule.lookup !== undefined) {
      part = 'lookup';
      const keyCode = this.sourcePath(rule.lookup.from, [...path, 'lookup', 'from'], scope, path) ?? 'undefined';
      const table = this.table(rule.lookup.table, [...path, 'lookup', 'table'], path);
      value =
        rule.lookup.default !== undefined
          ? `${this.helper('lookupOr')}(${table}, ${keyCode}, ${jsonLiteral(rule.lookup.default)})`
          : `${this.helper('lookup')}(${table}, ${keyCode}, ${jsonLiteral(rule.lookup.table)}, ${jsonLiteral(target)})`;
    } else {
      value = jsonLiteral(rule.value === undefined ? null : rule.value);
      this.checkRegistryValue(rule.value, [...path, 'value'], path, target, targetSchemas);
    }
    if (rule.convert) {
      const format = formatOf(targetSchemas, this.input.target.schema);
      const converted = applyConversions(
        value,
        rule.convert,
        target,
        format === 'date' || format === 'date-time' ? format : undefined,
        (n) => this.helper(n),
      );
      if (!converted.ok) {
        this.problem([...path, 'convert', converted.key], 'mapping-unsupported', `${target}: ${converted.message}`, converted.hint, {
          rulePath: path,
        });
      } else {
        value = converted.code;
      }
    }
    if (rule.default !== undefined) value = `(${value} ?? ${jsonLiteral(rule.default)})`;
    // Null means "no value": into an optional target that does not allow null it is absent. A required
    // target keeps the null, so the checker reports it there (with a hint about null).
    else if (!required && this.mayBeNull(rule, scope) && !allowsNull(targetSchemas, this.input.target.schema))
      value = `${this.helper('nullToAbsent')}(${value})`;
    b.span([...path, part], () => b.write(value));
  }

  /**
   * A constant written into a registry field (`source.system`, language/schema/registry.ts) must name a
   * document of the registry's kind: said here with did-you-mean, at the value, rather than as a type
   * mismatch against the expanded enum.
   */
  private checkRegistryValue(value: unknown, at: PathSegment[], rulePath: PathSegment[], target: string, targetSchemas: Schema[]): void {
    const kind = registryOf(targetSchemas, this.input.target.schema);
    if (kind === undefined) return;
    const names = targetSchemas
      .flatMap((s) => alternatives(s, this.input.target.schema))
      .flatMap((s) => (Array.isArray(s.enum) ? s.enum : []));
    if (typeof value === 'string' && names.includes(value)) return;
    const near = typeof value === 'string' ? didYouMean(value, names.map(String)) : undefined;
    this.problem(
      at,
      'mapping-value-unregistered',
      `${target}: ${JSON.stringify(value)} is not a ${kind} of the estate${near ? `; did you mean \`${near}\`?` : ''}`,
      `\`${target}\` holds the name of a ${kind} (the contract says \`x-interlace-registry: ${kind}\`). Write one of the ${kind}s (${names.join(', ') || 'none yet'}), or add the ${kind} document for a new one: the contract itself needs no change.`,
      { rulePath },
    );
  }

  /** Can the rule's value be null? A `from:` field whose schema allows null, or an expression. */
  private mayBeNull(rule: RuleSpec, scope: Scope): boolean {
    if (rule.expr !== undefined) return true;
    if (rule.value === null) return true;
    if (rule.from === undefined) return false;
    const parsed = parseFieldPath(rule.from, { indexes: true });
    if (!parsed.ok) return false;
    const found = walk(scope.sourceSchemas, parsed.segments, this.input.source.schema);
    return found.ok && allowsNull(found.schemas, this.input.source.schema);
  }

  /**
   * A list made with `each`. A missing source list leaves an optional target list out (a header-only
   * event has no lines, not an empty list of them) and makes a required one empty.
   */
  private eachValue(key: string, rule: RuleSpec, path: PathSegment[], scope: Scope, targetSchemas: Schema[], required: boolean): void {
    const { b } = this;
    if (!isListSchema(targetSchemas, this.input.target.schema) && targetSchemas.length > 0) {
      this.problem(
        [...path, 'target'],
        'mapping-field-unknown',
        `${scope.rulePrefix}${rule.target}: ${this.input.target.typeName} ${rule.target} is not a list, but the rule maps a list with \`each\``,
        'Use `each` only for list fields; map a single object with rules whose targets are `field.subfield`.',
        { rulePath: path },
      );
    }
    if (rule.default !== undefined) {
      this.problem(
        [...path, 'default'],
        'mapping-unsupported',
        `${scope.rulePrefix}${rule.target}: \`default\` has no effect with \`each\`; a missing source list leaves an optional list out and makes a required one empty`,
        'Remove `default`.',
        { key: true, rulePath: path },
      );
    }
    const list = this.sourceList(rule.each!, [...path, 'each'], scope, path);
    const suffix = scope.depth === 0 ? '' : String(scope.depth + 1);
    const itemVar = `item${suffix}`;
    const itemType = `NonNullable<${scope.targetType}[${jsonLiteral(key)}]>[number]`;
    const celVars = new Map(scope.celVars);
    celVars.set('item', itemVar);
    // `index` (0-based), `first` and `last` name the item's position; declared only when read.
    const position = readsPosition(rule.rules ?? []);
    if (position) {
      celVars.set('index', `index${suffix}`);
      celVars.set('first', `(index${suffix} === 0)`);
      celVars.set('last', `(index${suffix} === list${suffix}.length - 1)`);
    }
    const inner: Scope = {
      sourceVar: itemVar,
      celVars,
      sourceSchemas: list.itemSchemas,
      targetSchemas: itemSchemas(targetSchemas, this.input.target.schema),
      targetType: itemType,
      targetPrefix: `${scope.rulePrefix}${rule.target}[].`,
      rulePrefix: `${scope.rulePrefix}${rule.target}[].`,
      omitting: false,
      rulesPath: [...path, 'rules'],
      depth: scope.depth + 1,
      unknownSource: list.failed,
    };
    b.span([...path, 'each'], () => b.write(required ? `(${list.code} ?? [])` : list.code));
    const params = position ? `${itemVar}, index${suffix}: number, list${suffix}: readonly unknown[]` : itemVar;
    b.write(`${required ? '' : '?'}.map((${params}): ${itemType} => (`);
    this.objectLiteral(this.buildTree(rule.rules ?? [], inner), inner);
    b.write('))');
  }

  /**
   * Fan-out (`spec.each`): one target message per item of the source list, made by the top-level
   * rules with `item` (and `index`, `first`, `last`) for the item and `source` for the whole message;
   * `from:` paths are relative to the item. A missing list makes no messages. Fields whose value does
   * not depend on the item (`source.…` expressions: a parsed date, a qualifier search) are computed
   * once per message, before the items, and only when there are items (so an empty list fails on
   * nothing, as before).
   */
  private fanOutBody(each: string, scope: Scope): void {
    const body = this.b;
    const list = this.sourceList(each, ['spec', 'each'], scope, ['spec', 'each']);
    const rules = this.input.spec.rules ?? [];
    const celVars = new Map(scope.celVars);
    celVars.set('item', 'item');
    const position = readsPosition(rules);
    if (position) {
      celVars.set('index', 'index');
      celVars.set('first', '(index === 0)');
      celVars.set('last', '(index === list.length - 1)');
    }
    const inner: Scope = {
      ...scope,
      sourceVar: 'item',
      celVars,
      sourceSchemas: list.itemSchemas,
      depth: 1,
      unknownSource: list.failed,
      perMessage: true,
    };
    // An unknown list is reported at `each`: the rules' type errors would be echoes of it.
    if (list.failed) this.problemPaths.push(['spec', 'rules']);
    // The item's object is written first (it finds the per-message values), then placed after them.
    const perMessage = new CodeBuilder<PathSegment[]>();
    const items = new CodeBuilder<PathSegment[]>();
    this.perMessage = perMessage;
    this.b = items;
    perMessage.indent(() =>
      items.indent(() => {
        items.write(`return list.map((${position ? 'item, index: number' : 'item'}): ${scope.targetType} => (`);
        this.objectLiteral(this.buildTree(rules, inner), inner);
        items.line('));');
      }),
    );
    this.perMessage = undefined;
    this.b = body;
    body.write('const list = ');
    body.span(['spec', 'each'], () => body.write(`(${list.code} ?? [])`));
    body.line(';');
    const once = perMessage.finish();
    if (once.text !== '') {
      body.line('if (list.length === 0) return [];');
      body.line('// The same for every item: computed once per message.');
      body.append(once);
    }
    body.append(items.finish());
  }

  /** A source list for `each`: a path whose last segment is the list (`to_Item.results` or `lines[]`). */
  private sourceList(
    text: string,
    yamlPath: PathSegment[],
    scope: Scope,
    rulePath: PathSegment[],
  ): { code: string; itemSchemas: Schema[]; failed: boolean } {
    const parsed = parseFieldPath(text, { indexes: true });
    if (!parsed.ok) {
      this.problem(
        yamlPath,
        'mapping-field-unknown',
        `each \`${text}\`: ${parsed.message}`,
        'Write the source list as a path, e.g. `to_Item.results`.',
        { rulePath },
      );
      return { code: 'undefined', itemSchemas: [], failed: true };
    }
    const segments = parsed.segments.map((s, i) => (i === parsed.segments.length - 1 ? { ...s, list: false } : s));
    const code = this.compilePath(segments, yamlPath, scope, rulePath, true);
    const found = walk(scope.sourceSchemas, segments, this.input.source.schema);
    if (code !== undefined && found.ok && !isListSchema(found.schemas, this.input.source.schema)) {
      this.problem(
        yamlPath,
        'mapping-field-unknown',
        `each \`${text}\`: ${this.input.source.typeName} ${text} is not a list`,
        'Point `each` at a list (type: array) of the source contract.',
        { rulePath },
      );
    }
    return {
      code: code ?? 'undefined',
      itemSchemas: found.ok ? itemSchemas(found.schemas, this.input.source.schema) : [],
      failed: code === undefined || scope.unknownSource === true,
    };
  }

  /** A `from` path, checked against the source contract and compiled to optional-chained access. */
  private sourcePath(text: string, yamlPath: PathSegment[], scope: Scope, rulePath: PathSegment[]): string | undefined {
    const parsed = parseFieldPath(text, { indexes: true });
    if (!parsed.ok) {
      this.problem(
        yamlPath,
        'mapping-field-unknown',
        `\`${text}\`: ${parsed.message}`,
        'Write the source field as a path, e.g. `to_Item.results[].Material`.',
        { rulePath },
      );
      return undefined;
    }
    return this.compilePath(parsed.segments, yamlPath, scope, rulePath, false);
  }

  private compilePath(
    segments: FieldSegment[],
    yamlPath: PathSegment[],
    scope: Scope,
    rulePath: PathSegment[],
    flatten: boolean,
    /** Says where the path was written when that is not a rule (`enrich item: placeholder {sku}: `). */
    label = '',
  ): string | undefined {
    // Inside an `each` whose list is already reported, item fields cannot be checked: no echo per rule.
    if (scope.unknownSource) return undefined;
    const found = walk(scope.sourceSchemas, segments, this.input.source.schema);
    if (!found.ok) {
      const suggestion = didYouMean(found.missing, found.available);
      const prefix = formatFieldPath(segments.slice(0, found.at));
      const owner = scope.sourceVar === 'source' ? this.input.source.typeName : `${this.input.source.typeName} item`;
      this.problem(
        yamlPath,
        'mapping-field-unknown',
        `${label}${formatFieldPath(segments)}: ${owner}${prefix ? ` ${prefix}` : ''} has no property '${found.missing}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
        suggestion
          ? `Write \`${formatFieldPath([...segments.slice(0, found.at), { name: suggestion, list: segments[found.at]!.list }, ...segments.slice(found.at + 1)])}\`.`
          : `Fields there: ${found.available.slice(0, 12).join(', ') || '(none)'}.`,
        { rulePath },
      );
      return undefined;
    }
    // `[]` and `[0]` step into a list: say so at the rule when the field is no list.
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if (!segment.list && segment.index === undefined) continue;
      const field = walk(scope.sourceSchemas, [...segments.slice(0, i), { name: segment.name, list: false }], this.input.source.schema);
      if (field.ok && !isListSchema(field.schemas, this.input.source.schema)) {
        const at = formatFieldPath([...segments.slice(0, i), { name: segment.name, list: false }]);
        this.problem(
          yamlPath,
          'mapping-field-unknown',
          `${formatFieldPath(segments)}: \`${at}\` is not a list in ${this.input.source.reference}, so \`${segment.index === undefined ? '[]' : `[${segment.index}]`}\` cannot step into it`,
          `Write \`${formatFieldPath(segments.map((s, j) => (j === i ? { name: s.name, list: false } : s)))}\`.`,
          { rulePath },
        );
        return undefined;
      }
    }
    // Every step is optional-chained: a missing intermediate object yields undefined, which `default`
    // can replace and which the type checker sees as `T | undefined`.
    const emit = (from: number, base: string, depth: number): string => {
      let code = base;
      for (let i = from; i < segments.length; i++) {
        const segment = segments[i]!;
        code += propertyAccess(segment.name, true);
        // One item, typed as the element like CEL's `a[0]` (an index out of range is absent at run time).
        if (segment.index !== undefined) code += `?.[${segment.index}]!`;
        if (segment.list && i < segments.length - 1) {
          const v = `e${scope.depth}_${depth}`;
          // For `each: shipments[].orders[]` a shipment without orders adds none (not an undefined item).
          return flatten
            ? `${code}?.flatMap((${v}) => ${emit(i + 1, v, depth + 1)} ?? [])`
            : `${code}?.map((${v}) => ${emit(i + 1, v, depth + 1)})`;
        }
      }
      return code;
    };
    return emit(0, scope.sourceVar, 0);
  }

  private expression(text: string, yamlPath: PathSegment[], scope: Scope, rulePath: PathSegment[], target: string): string {
    const result = compileCel(text, {
      target,
      variables: new Map([...scope.celVars].filter(([name]) => RESERVED_SCOPE.includes(name))),
      helper: (name: SupportHelper) => this.helper(name),
      hoist: (initializer: string) => {
        this.hoisted.push(initializer);
        return `PATTERN_${this.hoisted.length}`;
      },
    });
    if (result.ok) return result.code;
    for (const p of result.problems) {
      this.problem(
        yamlPath,
        'mapping-unsupported',
        `expression ${p.message} (column ${p.offset + 1} of the expression)`,
        'Mapping expressions use a subset of CEL: field access, operators, size/int/double/string/timestamp, string methods, the list macros and formatDate (docs/mapping-language.md).',
        { rulePath },
      );
    }
    return 'undefined';
  }

  private table(name: string, yamlPath: PathSegment[], rulePath: PathSegment[]): string {
    const tables = this.input.spec.lookups ?? {};
    if (!Object.hasOwn(tables, name) || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      this.problem(
        yamlPath,
        'lookup-unresolved',
        `lookup table "${name}" is not defined in this mapping`,
        'Define it under `spec.lookups`.',
        { rulePath },
      );
      return 'new Map<string, never>()';
    }
    let constName = this.tables.get(name);
    if (!constName) {
      constName = `TABLE_${name}`;
      this.tables.set(name, constName);
    }
    return constName;
  }

  /** `const TABLE_x: ReadonlyMap<string, "A" | "B"> = new Map([...])`: a Map, so no key can reach a prototype. */
  private tableDeclaration(name: string, constName: string): string {
    const entries = Object.entries(this.input.spec.lookups?.[name] ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const literals = [...new Set(entries.map(([, v]) => jsonLiteral(v)))].sort();
    const valueType =
      literals.length === 0
        ? 'never'
        : literals.length <= 64
          ? literals.join(' | ')
          : [...new Set(entries.map(([, v]) => typeof v))].sort().join(' | ');
    return `const ${constName}: ReadonlyMap<string, ${valueType}> = new Map([${entries.map(([k, v]) => `[${jsonLiteral(k)}, ${jsonLiteral(v)}]`).join(', ')}]);`;
  }
}

import { linearRegExp } from '../../support/linear-regexp.ts';
import { datePatternParts, isTimeZone } from '../../support/date-patterns.ts';
import { parse } from '@bufbuild/cel';
import { jsonLiteral, propertyAccess, isUnsafePropertyName } from '../../shared/naming.ts';
import type { CelExpr, CelParsed } from './cel-ast.ts';
import { recognizeMacro } from './macros.ts';

/**
 * Compiles a CEL expression to a TypeScript expression, from the parsed AST — never from the text.
 * The supported subset (docs/mapping-language.md):
 *
 * - literals: strings, numbers (ints within ±2^53), booleans, null, lists, maps with string keys
 * - names: the variables in scope (`source`, and `item` inside `each`) and macro variables
 * - field access `a.b`, `a["b"]`, index `a[0]`, computed index `a[size(a) - 1]`; `has(a.b)`
 * - operators `! - * / % + == != < <= > >= && || ?: in`
 * - functions `size`, `int`, `double`, `string`, `dyn`, `timestamp`; methods `startsWith`,
 *   `endsWith`, `contains`, `matches` and `extract` (constant pattern), `lowerAscii`, `upperAscii`,
 *   `lower`, `upper`, `trim`, `trimStart`, `trimEnd`, `substring`, `split`, `join`, `replace`,
 *   `padStart`, `padEnd`, `size`, `flatten`, and the timestamp getters (`getFullYear`, `getMonth`, ...;
 *   in UTC, or in the IANA zone given as their argument)
 * - macros `all`, `exists`, `exists_one`, `map` (2 and 3 arguments), `filter`
 * - the Interlace extensions `formatDate(value, format, zone?)` and `parseDate(text, pattern, zone?)`
 *   (named formats in DATE_FORMATS or token patterns such as `YYYYMMDDhhmmss`; IANA zones)
 *
 * A missing field is absent, not an error: field access, indexing, methods, macros and conversions
 * on an absent value give absent (compiled to optional chaining), so the type checker sees
 * `T | undefined` and a required target refuses it at build time. Numbers follow JavaScript
 * semantics (one number type, `/` is not integer division). Anything else (bytes, durations, message
 * literals, optional syntax, two-variable comprehensions) is refused with a position, so
 * the type checker and the runtime only ever see the subset.
 */

/** Runtime helpers a compiled expression may call; the mapping module imports the ones it uses. */
export type SupportHelper =
  | 'add'
  | 'size'
  | 'eq'
  | 'isIn'
  | 'toInt'
  | 'toDouble'
  | 'toText'
  | 'at'
  | 'toTimestamp'
  | 'formatDate'
  | 'parseDate'
  | 'substring'
  | 'replaceText'
  | 'linearRegExp';

export interface CelContext {
  /** CEL variable name → TypeScript identifier holding it. */
  variables: ReadonlyMap<string, string>;
  /** Records a helper as used and returns the name to call it by. */
  helper(name: SupportHelper): string;
  /** Declares a module-level constant (a compiled regular expression) and returns its name. */
  hoist(initializer: string): string;
  /** The target field being made (`lines[].quantity`), named in run-time errors. */
  target: string;
}

/** What `formatDate` writes (generators/support/format-date.ts), checked at build time. */
export const DATE_FORMATS: readonly string[] = ['iso', 'iso-date', 'odata-v2', 'yyyymmdd', 'yymmdd', 'hhmm', 'hhmmss'];

/** CEL's timestamp getters: the instant in UTC, or in the IANA zone given as their one argument. */
const TIMESTAMP_GETTERS = new Set([
  'getFullYear',
  'getMonth',
  'getDate',
  'getDayOfMonth',
  'getDayOfWeek',
  'getDayOfYear',
  'getHours',
  'getMinutes',
  'getSeconds',
  'getMilliseconds',
]);

export interface CelProblem {
  message: string;
  /** Offset in the expression text. */
  offset: number;
}

export type CelResult = { ok: true; code: string } | { ok: false; problems: CelProblem[] };

class Refused extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const BINARY: Record<string, string> = {
  '_&&_': '&&',
  '_||_': '||',
  '_<_': '<',
  '_<=_': '<=',
  '_>_': '>',
  '_>=_': '>=',
  '_-_': '-',
  '_*_': '*',
  '_/_': '/',
  '_%_': '%',
};

const MAX_DEPTH = 64;

/** Parses and compiles one expression. */
export function compileCel(text: string, context: CelContext): CelResult {
  let parsed: CelParsed;
  try {
    parsed = parse(text) as unknown as CelParsed;
  } catch (error) {
    const e = error as { rawMessage?: string; message: string; location?: { start?: { offset: number } } };
    return { ok: false, problems: [{ message: `does not parse: ${e.rawMessage ?? e.message}`, offset: e.location?.start?.offset ?? 0 }] };
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const offsetOf = (expr: CelExpr | undefined) => (expr ? (positions[String(expr.id)] ?? 0) : 0);
  try {
    if (!parsed.expr) throw new Refused('is empty', 0);
    return { ok: true, code: new Compiler(context, offsetOf).compile(parsed.expr, new Map(context.variables), 0) };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, problems: [{ message: error.message, offset: error.offset }] };
    throw error;
  }
}

class Compiler {
  private readonly context: CelContext;
  private readonly offsetOf: (expr: CelExpr | undefined) => number;

  constructor(context: CelContext, offsetOf: (expr: CelExpr | undefined) => number) {
    this.context = context;
    this.offsetOf = offsetOf;
  }

  compile(expr: CelExpr, scope: Map<string, string>, depth: number): string {
    if (depth > MAX_DEPTH) throw new Refused(`is nested deeper than ${MAX_DEPTH} levels`, this.offsetOf(expr));
    const sub = (e: CelExpr | undefined, s = scope) => {
      if (!e) throw new Refused('is incomplete', this.offsetOf(expr));
      return this.compile(e, s, depth + 1);
    };
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return this.constant(expr, kind.value.constantKind);
      case 'identExpr': {
        const name = scope.get(kind.value.name);
        if (name === undefined) {
          const known = [...scope.keys()].map((n) => `\`${n}\``).join(', ');
          throw new Refused(`unknown name \`${kind.value.name}\`; expressions here can use ${known}`, this.offsetOf(expr));
        }
        return name;
      }
      case 'selectExpr': {
        const field = kind.value.field;
        if (isUnsafePropertyName(field))
          throw new Refused(`field name "${field}" is reserved: it would reach the object's prototype`, this.offsetOf(expr));
        const operand = wrapNumber(sub(kind.value.operand));
        // has(a.b) is presence, not truthiness; `!== undefined` also lets TypeScript narrow `a.b`.
        // Optional chaining: a missing object makes the field absent rather than a crash.
        if (kind.value.testOnly) return `(${operand}${propertyAccess(field, true)} !== undefined)`;
        return `${operand}${propertyAccess(field, true)}`;
      }
      case 'listExpr':
        if (kind.value.optionalIndices.length > 0)
          throw new Refused('optional list elements (`?x`) are not supported', this.offsetOf(expr));
        return `[${kind.value.elements.map((e) => sub(e)).join(', ')}]`;
      case 'structExpr': {
        if (kind.value.messageName !== '')
          throw new Refused(
            `message literals (\`${kind.value.messageName}{...}\`) are not supported; write a map literal \`{"key": value}\``,
            this.offsetOf(expr),
          );
        const entries = kind.value.entries.map((entry) => {
          if (entry.optionalEntry) throw new Refused('optional map entries (`?key: value`) are not supported', this.offsetOf(expr));
          if (entry.keyKind.case !== 'mapKey') throw new Refused('map keys must be string literals', this.offsetOf(expr));
          const key = entry.keyKind.value;
          if (key.exprKind.case !== 'constExpr' || key.exprKind.value.constantKind.case !== 'stringValue') {
            throw new Refused('map keys must be string literals', this.offsetOf(key));
          }
          const name = String(key.exprKind.value.constantKind.value);
          if (isUnsafePropertyName(name))
            throw new Refused(`map key "${name}" is reserved: it would reach the object's prototype`, this.offsetOf(key));
          // A computed key defines an own property whatever its text; a literal `__proto__:` would not.
          return `[${jsonLiteral(name)}]: ${sub(entry.value)}`;
        });
        // Parenthesized so that it stays an object literal at the start of an arrow function body.
        return `({ ${entries.join(', ')} })`;
      }
      case 'comprehensionExpr':
        return this.comprehension(expr, scope, depth);
      case 'callExpr':
        return this.call(expr, kind.value, scope, depth);
      default:
        throw new Refused('is not a supported expression', this.offsetOf(expr));
    }
  }

  private constant(expr: CelExpr, constant: { case: string | undefined; value?: unknown }): string {
    switch (constant.case) {
      case 'stringValue':
        return jsonLiteral(String(constant.value));
      case 'boolValue':
        return constant.value ? 'true' : 'false';
      case 'nullValue':
        return 'null';
      case 'doubleValue': {
        const n = Number(constant.value);
        if (!Number.isFinite(n)) throw new Refused('number literal is not finite', this.offsetOf(expr));
        return n < 0 || Object.is(n, -0) ? `(${n})` : String(n);
      }
      case 'int64Value':
      case 'uint64Value': {
        const n = BigInt(constant.value as bigint);
        if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new Refused(`integer ${n} is outside ±2^53, where JavaScript numbers are exact`, this.offsetOf(expr));
        }
        return n < 0n ? `(${n})` : String(n);
      }
      case 'bytesValue':
        throw new Refused('bytes literals are not supported', this.offsetOf(expr));
      default:
        throw new Refused(`${constant.case ?? 'this'} literals are not supported`, this.offsetOf(expr));
    }
  }

  /**
   * `firstOnly`: the caller reads only the first item of the result (`l.filter(x, p)[0]`), so a
   * filter becomes `find`, which allocates no list and stops at the first match (a predicate that
   * would fail on a later item no longer fails the message).
   */
  private comprehension(expr: CelExpr, scope: Map<string, string>, depth: number, firstOnly = false): string {
    if (expr.exprKind.case !== 'comprehensionExpr') throw new Error('unreachable');
    const macro = recognizeMacro(expr.exprKind.value);
    if (!macro)
      throw new Refused(
        'this comprehension is not supported; use all, exists, exists_one, map or filter with one variable',
        this.offsetOf(expr),
      );
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(macro.variable))
      throw new Refused(`\`${macro.variable}\` is not a valid variable name`, this.offsetOf(expr));
    const range = this.compile(macro.range, scope, depth + 1);
    // Macro variables get a prefix so no CEL name can shadow a helper, `source`, or a JavaScript global.
    const local = `v_${macro.variable}`;
    const inner = new Map(scope);
    inner.set(macro.variable, local);
    const body = (e: CelExpr) => this.compile(e, inner, depth + 1);
    switch (macro.kind) {
      case 'all':
        return `${range}?.every((${local}) => ${body(macro.predicate)})`;
      case 'exists':
        return `${range}?.some((${local}) => ${body(macro.predicate)})`;
      case 'exists_one':
        return `(${range}?.filter((${local}) => ${body(macro.predicate)}).length === 1)`;
      case 'filter':
        return `${range}?.${firstOnly ? 'find' : 'filter'}((${local}) => ${body(macro.predicate)})`;
      case 'map':
        return macro.predicate
          ? `${range}?.filter((${local}) => ${body(macro.predicate)}).map((${local}) => ${body(macro.transform)})`
          : `${range}?.map((${local}) => ${body(macro.transform)})`;
    }
  }

  private call(
    expr: CelExpr,
    call: { target?: CelExpr; function: string; args: CelExpr[] },
    scope: Map<string, string>,
    depth: number,
  ): string {
    const at = this.offsetOf(expr);
    const sub = (e: CelExpr | undefined) => {
      if (!e) throw new Refused('is incomplete', at);
      return this.compile(e, scope, depth + 1);
    };
    const args = call.args;
    const arity = (n: number) => {
      if (args.length !== n) throw new Refused(`${call.function.replace(/_/g, '')} takes ${n} argument${n === 1 ? '' : 's'}`, at);
    };
    if (call.target) {
      const target = sub(call.target);
      const method = call.function;
      const receiver = wrapNumber(target);
      if (TIMESTAMP_GETTERS.has(method)) {
        // CEL's optional time-zone argument: the wall clock in that zone (a literal IANA name, checked here).
        if (args.length > 1) throw new Refused(`${method} takes 0 or 1 argument (a time zone)`, at);
        return `${receiver}?.${method}(${this.zone(args[0]).replace(/^, /, '')})`;
      }
      switch (method) {
        case 'startsWith':
        case 'endsWith':
          arity(1);
          return `${receiver}?.${method}(${sub(args[0])})`;
        case 'contains':
          arity(1);
          return `${receiver}?.includes(${sub(args[0])})`;
        case 'matches':
          arity(1);
          return `${this.regex(args[0]!)}.test(${receiver})`;
        case 'extract':
          arity(1);
          return `${this.regex(args[0]!)}.extract(${receiver})`;
        case 'substring':
          if (args.length !== 1 && args.length !== 2) throw new Refused('substring takes 1 or 2 arguments (start, end)', at);
          return `${this.context.helper('substring')}(${receiver}, ${args.map((a) => sub(a)).join(', ')})`;
        case 'split':
          arity(1);
          return `${receiver}?.split(${sub(args[0])})`;
        case 'flatten':
          // CEL's lists extension: one level (`[[1], [2, 3]].flatten()` is `[1, 2, 3]`), or `depth` levels.
          if (args.length > 1) throw new Refused('flatten takes 0 or 1 argument (the depth, an integer literal)', at);
          return `${receiver}?.flat(${args.length === 1 ? this.depth(args[0]!) : ''})`;
        case 'join':
          if (args.length > 1) throw new Refused('join takes 0 or 1 argument (the separator)', at);
          return `${receiver}?.join(${args.length === 1 ? sub(args[0]) : '""'})`;
        case 'replace':
          arity(2);
          return `${this.context.helper('replaceText')}(${receiver}, ${sub(args[0])}, ${sub(args[1])})`;
        case 'padStart':
        case 'padEnd':
          if (args.length !== 1 && args.length !== 2) throw new Refused(`${method} takes 1 or 2 arguments (length, fill)`, at);
          return `${receiver}?.${method}(${sub(args[0])}, ${args.length === 2 ? sub(args[1]) : '" "'})`;
        case 'lower':
          arity(0);
          return `${receiver}?.toLowerCase()`;
        case 'upper':
          arity(0);
          return `${receiver}?.toUpperCase()`;
        case 'trimStart':
        case 'trimEnd':
          arity(0);
          return `${receiver}?.${method}()`;
        case 'lowerAscii':
          arity(0);
          return `${receiver}?.toLowerCase()`;
        case 'upperAscii':
          arity(0);
          return `${receiver}?.toUpperCase()`;
        case 'trim':
          arity(0);
          return `${receiver}?.trim()`;
        case 'size':
          arity(0);
          return `${this.context.helper('size')}(${receiver})`;
        default:
          throw new Refused(`method \`${method}\` is not supported`, at);
      }
    }
    const op = BINARY[call.function];
    if (op) {
      arity(2);
      return `(${sub(args[0])} ${op} ${sub(args[1])})`;
    }
    switch (call.function) {
      case '_+_':
        arity(2);
        return `${this.context.helper('add')}(${sub(args[0])}, ${sub(args[1])})`;
      case '_==_':
      case '_!=_': {
        arity(2);
        const negate = call.function === '_!=_';
        // Scalars compare with ===; lists and maps need structural equality.
        if (isScalarLiteral(args[0]!) || isScalarLiteral(args[1]!)) return `(${sub(args[0])} ${negate ? '!==' : '==='} ${sub(args[1])})`;
        return `${negate ? '!' : ''}${this.context.helper('eq')}(${sub(args[0])}, ${sub(args[1])})`;
      }
      case '!_':
        arity(1);
        return `!${sub(args[0])}`;
      case '-_':
        arity(1);
        return `(-(${sub(args[0])}))`;
      case '_?_:_':
        arity(3);
        return `(${sub(args[0])} ? ${sub(args[1])} : ${sub(args[2])})`;
      case '_[_]': {
        arity(2);
        const index = args[1]!;
        if (index.exprKind.case === 'constExpr' && index.exprKind.value.constantKind.case === 'stringValue') {
          const name = String(index.exprKind.value.constantKind.value);
          if (isUnsafePropertyName(name))
            throw new Refused(`field name "${name}" is reserved: it would reach the object's prototype`, this.offsetOf(index));
          return `${wrapNumber(sub(args[0]))}${propertyAccess(name, true)}`;
        }
        if (
          index.exprKind.case === 'constExpr' &&
          (index.exprKind.value.constantKind.case === 'int64Value' || index.exprKind.value.constantKind.case === 'uint64Value')
        ) {
          // A literal index stays an element access, so `has(a[0].b)` narrows `a[0].b` for the checker.
          // The `!` types the element as CEL does (an index out of range is a run-time error, not a
          // type): without it a user project compiled with `noUncheckedIndexedAccess` (on in the config
          // `tsc --init` writes) reads `T | undefined` where the mapping was checked with `T`. Inside an
          // optional chain it asserts only the element, so a missing list still reads as undefined.
          if (isFirstOfFilter(args[0]!, index)) return `${this.comprehension(args[0]!, scope, depth + 1, true)}!`;
          return `${wrapNumber(sub(args[0]))}?.[${sub(index)}]!`;
        }
        if (index.exprKind.case === 'constExpr')
          throw new Refused('an index must be an integer (list) or a string (map)', this.offsetOf(index));
        // A computed index goes through a helper that reads own entries only: data cannot reach a prototype.
        return `${this.context.helper('at')}(${sub(args[0])}, ${sub(index)})`;
      }
      case '@in':
        arity(2);
        return `${this.context.helper('isIn')}(${sub(args[0])}, ${sub(args[1])})`;
      case 'size':
        arity(1);
        return `${this.context.helper('size')}(${sub(args[0])})`;
      case 'int':
        arity(1);
        return `${this.context.helper('toInt')}(${sub(args[0])}, ${jsonLiteral(this.context.target)})`;
      case 'double':
        arity(1);
        return `${this.context.helper('toDouble')}(${sub(args[0])}, ${jsonLiteral(this.context.target)})`;
      case 'timestamp':
        arity(1);
        return `${this.context.helper('toTimestamp')}(${sub(args[0])}, ${jsonLiteral(this.context.target)})`;
      case 'formatDate': {
        if (args.length !== 2 && args.length !== 3) throw new Refused('formatDate takes 2 or 3 arguments (value, format, zone)', at);
        const name = this.literal(args[1]!);
        if (name === undefined || (!DATE_FORMATS.includes(name) && !datePatternParts(name).ok)) {
          const why = name === undefined ? undefined : datePatternParts(name);
          throw new Refused(
            `formatDate() takes a format as a string literal: ${DATE_FORMATS.map((f) => `'${f}'`).join(', ')}, or a pattern such as 'YYYYMMDDhhmmss'${why && !why.ok ? ` (${why.message})` : ''}`,
            this.offsetOf(args[1]),
          );
        }
        return `${this.context.helper('formatDate')}(${sub(args[0])}, ${jsonLiteral(name)}, ${jsonLiteral(this.context.target)}${this.zone(args[2])})`;
      }
      case 'parseDate': {
        if (args.length !== 2 && args.length !== 3) throw new Refused('parseDate takes 2 or 3 arguments (text, pattern, zone)', at);
        const pattern = this.literal(args[1]!);
        const parts = pattern === undefined ? undefined : datePatternParts(pattern);
        if (!parts?.ok)
          throw new Refused(
            `parseDate() takes a pattern as a string literal, such as 'YYYYMMDDhhmmss' or 'CCYYMMDD'${parts && !parts.ok ? ` (${parts.message})` : ''}`,
            this.offsetOf(args[1]),
          );
        return `${this.context.helper('parseDate')}(${sub(args[0])}, ${jsonLiteral(pattern!)}, ${jsonLiteral(this.context.target)}${this.zone(args[2])})`;
      }
      case 'string':
        arity(1);
        return `${this.context.helper('toText')}(${sub(args[0])})`;
      case 'dyn':
        arity(1);
        return sub(args[0]);
      case 'matches':
        arity(2);
        return `${this.regex(args[1]!)}.test(${sub(args[0])})`;
      case '@not_strictly_false':
        arity(1);
        return sub(args[0]);
      default:
        throw new Refused(`function \`${call.function.replace(/^_|_$/g, '').replace(/_/g, ' ')}\` is not supported`, at);
    }
  }

  /** The text of a string literal argument, or undefined for anything else. */
  private literal(expr: CelExpr): string | undefined {
    return expr.exprKind.case === 'constExpr' && expr.exprKind.value.constantKind.case === 'stringValue'
      ? String(expr.exprKind.value.constantKind.value)
      : undefined;
  }

  /** The depth argument of `flatten`: a small non-negative integer literal (the type checker needs it constant). */
  private depth(expr: CelExpr): string {
    const kind = expr.exprKind;
    const n =
      kind.case === 'constExpr' && (kind.value.constantKind.case === 'int64Value' || kind.value.constantKind.case === 'uint64Value')
        ? Number(kind.value.constantKind.value)
        : Number.NaN;
    if (!Number.isInteger(n) || n < 0 || n > 8)
      throw new Refused('the depth of flatten must be an integer literal from 0 to 8', this.offsetOf(expr));
    return String(n);
  }

  /** `, "America/New_York"` for an optional time-zone argument: a literal IANA zone, checked here. */
  private zone(expr: CelExpr | undefined): string {
    if (!expr) return '';
    const zone = this.literal(expr);
    if (zone === undefined || !isTimeZone(zone))
      throw new Refused(
        `the time zone must be an IANA zone name as a string literal, such as 'America/New_York' or 'UTC'${zone === undefined ? '' : `; '${zone}' is not one`}`,
        this.offsetOf(expr),
      );
    return `, ${jsonLiteral(zone)}`;
  }

  /**
   * A constant pattern becomes one module-level matcher, built from a JSON string literal. It runs on
   * RE2 (linear time, support/linear-regexp.ts) like every pattern a spec declares: a message field
   * must not be able to stall a worker through a backtracking pattern.
   */
  private regex(pattern: CelExpr): string {
    if (pattern.exprKind.case !== 'constExpr' || pattern.exprKind.value.constantKind.case !== 'stringValue') {
      throw new Refused('matches() and extract() need a constant pattern, so it is compiled once', this.offsetOf(pattern));
    }
    const text = String(pattern.exprKind.value.constantKind.value);
    try {
      linearRegExp(text, 'u');
    } catch (error) {
      throw new Refused(
        `pattern cannot run on a linear-time engine (RE2: no lookaround, no backreferences): ${(error as Error).message}`,
        this.offsetOf(pattern),
      );
    }
    return this.context.hoist(`${this.context.helper('linearRegExp')}(${jsonLiteral(text)}, "u")`);
  }
}

function isScalarLiteral(expr: CelExpr): boolean {
  return (
    expr.exprKind.case === 'constExpr' &&
    ['stringValue', 'boolValue', 'nullValue', 'doubleValue', 'int64Value', 'uint64Value'].includes(
      expr.exprKind.value.constantKind.case ?? '',
    )
  );
}

/** `2.x` would read as a number with a fraction; a number literal followed by `.` or `[` is parenthesized. */
function wrapNumber(code: string): string {
  return /^[0-9]/.test(code) ? `(${code})` : code;
}

/** `list.filter(x, p)[0]`: the first item of a filter, which `find` gives without making the list. */
function isFirstOfFilter(list: CelExpr, index: CelExpr): boolean {
  if (index.exprKind.case !== 'constExpr' || Number(index.exprKind.value.constantKind.value) !== 0) return false;
  return list.exprKind.case === 'comprehensionExpr' && recognizeMacro(list.exprKind.value)?.kind === 'filter';
}

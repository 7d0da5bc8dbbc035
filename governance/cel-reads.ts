/**
 * Which fields' values a CEL expression passes on: `source.customer.email.lower()` passes
 * `customer.email`, `item.sku` inside `each: lines` passes `lines[].sku`, `source.items.map(i, i.sku)`
 * passes `items[].sku`; a field that is only compared, tested or counted passes nothing. Found on
 * the parsed AST (never by evaluating anything), so governance can follow classified data through
 * `expr:` rules as it follows `from:`.
 */
import { parse } from '@bufbuild/cel';

/** A node of the parsed expression (cel.expr.Expr), reduced to what the walk reads. */
interface Expr {
  exprKind:
    | { case: 'identExpr'; value: { name: string } }
    | { case: 'selectExpr'; value: { operand?: Expr; field: string; testOnly: boolean } }
    | { case: 'callExpr'; value: { function: string; target?: Expr; args: Expr[] } }
    | { case: 'listExpr'; value: { elements: Expr[] } }
    | { case: 'structExpr'; value: { entries: { value?: Expr; mapKey?: Expr }[] } }
    | {
        case: 'comprehensionExpr';
        value: {
          iterVar: string;
          iterVar2?: string;
          iterRange?: Expr;
          accuVar: string;
          accuInit?: Expr;
          loopCondition?: Expr;
          loopStep?: Expr;
          result?: Expr;
        };
      }
    | { case: 'constExpr' | undefined; value?: unknown };
}

/**
 * The field paths (`customer.email`, `lines[].sku`) whose values an expression passes on, given what each variable
 * stands for: `{ source: '' }` at the top of a mapping, plus `{ item: 'lines[]' }` inside `each`.
 * Presence tests (`has(source.x)`) read no value. An expression that does not parse reads nothing
 * here (validate reports it).
 */
export function fieldsReadBy(text: string, variables: Readonly<Record<string, string>>): string[] {
  let root: Expr | undefined;
  try {
    root = (parse(text) as unknown as { expr?: Expr }).expr;
  } catch {
    return [];
  }
  const found = new Set<string>();
  if (root) collect(root, new Map(Object.entries(variables)), found);
  return [...found].sort();
}

/**
 * Functions whose result carries none of their operands' values (comparisons, logic, tests, counts):
 * `source.cost >= 50000.0 ? 'high' : 'medium'` moves no cost into the target. Macros such as
 * `exists` and `all` expand to these, so they carry nothing either; `map` and `filter` do.
 */
const NO_VALUE: ReadonlySet<string> = new Set([
  '_==_',
  '_!=_',
  '_<_',
  '_<=_',
  '_>_',
  '_>=_',
  '_&&_',
  '_||_',
  '!_',
  '@in',
  '@not_strictly_false',
  'size',
  'matches',
  'startsWith',
  'endsWith',
  'contains',
]);

const join = (prefix: string, field: string) => (prefix === '' ? field : `${prefix}.${field}`);

/** The path an expression denotes when it is a variable followed by selections and indexes. */
function pathOf(expr: Expr, scope: ReadonlyMap<string, string>): string | undefined {
  const kind = expr.exprKind;
  if (kind.case === 'identExpr') return scope.get(kind.value.name);
  if (kind.case === 'selectExpr' && !kind.value.testOnly && kind.value.operand) {
    const operand = pathOf(kind.value.operand, scope);
    return operand === undefined ? undefined : join(operand, kind.value.field);
  }
  if (kind.case === 'callExpr' && kind.value.function === '_[_]' && kind.value.args[0]) {
    const operand = pathOf(kind.value.args[0], scope);
    return operand === undefined ? undefined : `${operand}[]`;
  }
  return undefined;
}

function collect(expr: Expr, scope: ReadonlyMap<string, string>, found: Set<string>): void {
  const path = pathOf(expr, scope);
  const kind = expr.exprKind;
  if (path !== undefined) {
    // `source` alone reads everything; a path reads that field and all below it.
    found.add(path);
    // An index may itself read fields: `source.lines[source.pick]`.
    if (kind.case === 'callExpr') for (const arg of kind.value.args.slice(1)) collect(arg, scope, found);
    return;
  }
  switch (kind.case) {
    case 'selectExpr':
      // A presence test reads no value.
      if (!kind.value.testOnly && kind.value.operand) collect(kind.value.operand, scope, found);
      return;
    case 'callExpr': {
      const fn = kind.value.function;
      // A test yields a boolean or a count, not the value it looked at.
      if (NO_VALUE.has(fn)) return;
      // `c ? a : b` passes on a or b; the condition only chooses.
      const args = fn === '_?_:_' ? kind.value.args.slice(1) : kind.value.args;
      if (kind.value.target) collect(kind.value.target, scope, found);
      for (const arg of args) collect(arg, scope, found);
      return;
    }
    case 'listExpr':
      for (const element of kind.value.elements) collect(element, scope, found);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.mapKey) collect(entry.mapKey, scope, found);
        if (entry.value) collect(entry.value, scope, found);
      }
      return;
    case 'comprehensionExpr': {
      const c = kind.value;
      const range = c.iterRange ? pathOf(c.iterRange, scope) : undefined;
      if (c.iterRange && range === undefined) collect(c.iterRange, scope, found);
      const inner = new Map(scope);
      // The accumulator is not a field; the loop variable is an element of the range.
      inner.delete(c.accuVar);
      if (range !== undefined) inner.set(c.iterVar, `${range}[]`);
      else inner.delete(c.iterVar);
      if (c.iterVar2) inner.delete(c.iterVar2);
      for (const part of [c.accuInit, c.loopCondition, c.loopStep, c.result]) if (part) collect(part, inner, found);
      // A comprehension that only tests (`all`, `exists`) still reads the range's elements it looks at.
      return;
    }
    default:
      return;
  }
}

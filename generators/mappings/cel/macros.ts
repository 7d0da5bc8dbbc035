import type { CelComprehension, CelExpr } from './cel-ast.ts';

/**
 * The parser expands CEL's list macros into comprehensions. The compiler turns them back into the
 * macro they came from (so `lines.all(l, …)` becomes `lines.every((l) => …)`), and refuses any other
 * comprehension shape.
 */
export type Macro =
  | { kind: 'all' | 'exists' | 'exists_one' | 'filter'; range: CelExpr; variable: string; predicate: CelExpr }
  | { kind: 'map'; range: CelExpr; variable: string; transform: CelExpr; predicate?: CelExpr };

function call(expr: CelExpr | undefined, name: string): CelExpr[] | undefined {
  return expr?.exprKind.case === 'callExpr' && expr.exprKind.value.function === name && !expr.exprKind.value.target
    ? expr.exprKind.value.args
    : undefined;
}

function isIdent(expr: CelExpr | undefined, name: string): boolean {
  return expr?.exprKind.case === 'identExpr' && expr.exprKind.value.name === name;
}

function constant(expr: CelExpr | undefined): unknown {
  return expr?.exprKind.case === 'constExpr' ? expr.exprKind.value.constantKind.value : undefined;
}

function singleElementList(expr: CelExpr | undefined): CelExpr | undefined {
  return expr?.exprKind.case === 'listExpr' && expr.exprKind.value.elements.length === 1 ? expr.exprKind.value.elements[0] : undefined;
}

function isEmptyList(expr: CelExpr | undefined): boolean {
  return expr?.exprKind.case === 'listExpr' && expr.exprKind.value.elements.length === 0;
}

/** Recognizes the comprehension one of the standard list macros expands to. */
export function recognizeMacro(c: CelComprehension): Macro | undefined {
  if (c.iterVar2 !== '' || !c.iterRange || (!isIdent(c.result, c.accuVar) && c.result?.exprKind.case !== 'callExpr')) return undefined;
  const accu = c.accuVar;
  const range = c.iterRange;
  const variable = c.iterVar;
  const step = c.loopStep;
  // all: accu = true; step = accu && p
  const and = call(step, '_&&_');
  if (constant(c.accuInit) === true && and && isIdent(and[0], accu) && and[1] && isIdent(c.result, accu))
    return { kind: 'all', range, variable, predicate: and[1] };
  const or = call(step, '_||_');
  if (constant(c.accuInit) === false && or && isIdent(or[0], accu) && or[1] && isIdent(c.result, accu))
    return { kind: 'exists', range, variable, predicate: or[1] };
  const plus = call(step, '_+_');
  if (isEmptyList(c.accuInit) && plus && isIdent(plus[0], accu) && isIdent(c.result, accu)) {
    const transform = singleElementList(plus[1]);
    if (transform) return { kind: 'map', range, variable, transform };
  }
  const ternary = call(step, '_?_:_');
  if (ternary?.[0] && isIdent(ternary[2], accu)) {
    const added = call(ternary[1], '_+_');
    if (isEmptyList(c.accuInit) && added && isIdent(added[0], accu) && isIdent(c.result, accu)) {
      const element = singleElementList(added[1]);
      if (element && isIdent(element, variable)) return { kind: 'filter', range, variable, predicate: ternary[0] };
      if (element) return { kind: 'map', range, variable, transform: element, predicate: ternary[0] };
    }
    const counted = call(c.result, '_==_');
    if (added && isIdent(added[0], accu) && counted && isIdent(counted[0], accu))
      return { kind: 'exists_one', range, variable, predicate: ternary[0] };
  }
  return undefined;
}

/**
 * The slice of @bufbuild/cel's parsed AST (protobuf `cel.expr.Expr`) the compiler reads. Typed here
 * so the compiler does not depend on the generated protobuf classes.
 */
export interface CelExpr {
  id: bigint;
  exprKind:
    | { case: 'identExpr'; value: { name: string } }
    | { case: 'selectExpr'; value: { operand?: CelExpr; field: string; testOnly: boolean } }
    | { case: 'callExpr'; value: { target?: CelExpr; function: string; args: CelExpr[] } }
    | { case: 'constExpr'; value: { constantKind: { case: string | undefined; value?: unknown } } }
    | { case: 'listExpr'; value: { elements: CelExpr[]; optionalIndices: number[] } }
    | { case: 'structExpr'; value: { messageName: string; entries: CelEntry[] } }
    | { case: 'comprehensionExpr'; value: CelComprehension }
    | { case: undefined; value?: undefined };
}

export interface CelEntry {
  keyKind: { case: 'mapKey'; value: CelExpr } | { case: 'fieldKey'; value: string } | { case: undefined };
  value?: CelExpr;
  optionalEntry: boolean;
}

export interface CelComprehension {
  iterVar: string;
  iterVar2: string;
  iterRange?: CelExpr;
  accuVar: string;
  accuInit?: CelExpr;
  loopCondition?: CelExpr;
  loopStep?: CelExpr;
  result?: CelExpr;
}

export interface CelParsed {
  expr?: CelExpr;
  sourceInfo?: { positions: Record<string, number> };
}

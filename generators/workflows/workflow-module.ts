/**
 * A Workflow's CEL expressions → one TypeScript module of pure functions (`export const exprs`), the
 * expression half of a `WorkflowProgram`. Each expression is compiled from its CEL AST by the mapping
 * compiler (generators/mappings/cel), never from its text, and typed against the contracts it reads
 * and makes: `input` is the input contract, `state` the state contract, a wait's `event` its
 * contract, a loop variable the element type of its forEach's list; a publish's event must be its
 * contract, a `set` must fit the state field, a `when` a boolean. The type checker
 * (generators/mappings/typecheck.ts) then finds mistakes, and `spans` maps each back to its YAML path.
 *
 * Expressions read the state as its contract declares it: a field the state contract marks required
 * reads as present (mark a field required when every path that reads it has set it first). Results
 * are typed `T | undefined` (an optional field may be absent); the checker catches unknown fields and
 * wrong types, and the engine validates an event against its contract when it publishes it.
 *
 * A call with `mapping` gets no CEL request: its `<step>.request` is the mapping's generated function
 * (imported from `../mappings/<name>.js`, so the bundle links it in) applied to `mapping.from`, with
 * `mapping.merge` on top (support's `mergePatch`); `from` is typed as the mapping's source contract and
 * `merge` as a `MergePatch` of its target, so a mismatch is a type error at their YAML lines.
 */
import type { PathSegment } from '../../language/diagnostics/diagnostic.ts';
import type { EstateIndex, SpecDocument } from '../../language/validate/estate-index.ts';
import type { WorkflowIR } from '../../language/workflow/workflow-ir.ts';
import type { WorkflowExpression } from '../../language/workflow/workflow-steps.ts';
import { MAPPING_FROM, MAPPING_MERGE, NO_REQUEST, expressionsOf, loopVariablesByStep } from '../../language/workflow/workflow-steps.ts';
import { contractFor } from '../estate-view.ts';
import type { ContractEntry } from '../estate-view.ts';
import { compileCel } from '../mappings/cel/compile-cel.ts';
import type { GenerateProblem } from '../mappings/problem.ts';
import { BANNER } from '../shared/banner.ts';
import type { Span } from '../shared/code-builder.ts';

/** The export of a workflow module (and its bundle) that holds the `WorkflowProgram`: IR and expressions. */
export const WORKFLOW_PROGRAM_EXPORT = 'program';
import { jsonLiteral, mappingFunctionName } from '../shared/naming.ts';

export interface WorkflowModule {
  /** `workflows/replenishment-v1.ts`. */
  path: string;
  text: string;
  /** Which span of `text` came from which expression (for type errors). */
  spans: Span<PathSegment[]>[];
  /** Expressions the CEL compiler refused (with their YAML path). */
  problems: GenerateProblem[];
}

/** Path of a workflow's generated module: one per major, like the workflow's identity. */
export function workflowModulePath(doc: Pick<SpecDocument<'Workflow'>, 'name' | 'major'>): string {
  return `workflows/${doc.name}-v${doc.major ?? 0}.ts`;
}

export function workflowModule(
  doc: SpecDocument<'Workflow'>,
  ir: WorkflowIR,
  index: EstateIndex,
  contracts: readonly ContractEntry[],
): WorkflowModule {
  const spec = doc.spec;
  const typeOf = (reference: string | undefined) => contractFor(index, contracts, reference)?.typeName;
  // A call's mapping: its function, module and contract types (absent when it does not resolve; validation says why).
  const mappingOf = (name: string) => {
    const resolved = index.resolve('Mapping', name);
    // A fan-out or enriching mapping cannot make a request (validation says so at the step): no function.
    if (
      !resolved.ok ||
      resolved.target.failedSchema ||
      resolved.target.spec.each !== undefined ||
      Object.keys(resolved.target.spec.enrich ?? {}).length > 0
    )
      return undefined;
    const from = typeOf(resolved.target.spec.from);
    const to = typeOf(resolved.target.spec.to);
    if (!from || !to) return undefined;
    return { name: resolved.target.name, fn: mappingFunctionName(resolved.target.name), from, to };
  };
  const mappingImports = new Map<string, string>();
  const inputType = typeOf(spec.input ?? spec.trigger.event?.contract) ?? 'unknown';
  const stateType = typeOf(spec.state);
  const usedTypes = new Set<string>();
  const use = (type: string | undefined) => {
    if (type) usedTypes.add(type);
    return type;
  };
  use(inputType === 'unknown' ? undefined : inputType);
  use(stateType);

  const helpers = new Set<string>();
  const hoisted: string[] = [];
  const problems: GenerateProblem[] = [];
  const loops = loopVariablesByStep(spec.steps);
  const loopSources = new Map<string, string>();
  for (const step of spec.steps) if (step.forEach) loopSources.set(step.forEach.as, `${step.id}.items`);

  const functions: { id: string; name: string; code: string; path: PathSegment[]; expr: WorkflowExpression }[] = [];
  const expressions = expressionsOf(spec);
  const nameOf = new Map(expressions.map((e, i) => [e.id, `e${i}`]));
  for (const expr of expressions) {
    const variables = new Map<string, string>([
      ['input', 'input'],
      ['state', 'state'],
      ['key', 'key'],
    ]);
    for (const loopVar of expr.step ? (loops.get(expr.step) ?? []) : []) variables.set(loopVar, loopVar);
    if (expr.readsEvent) variables.set('event', 'event');
    const compiled = compileCel(expr.text, {
      variables,
      helper: (name) => {
        helpers.add(name);
        return name;
      },
      hoist: (initializer) => {
        hoisted.push(initializer);
        return `PATTERN_${hoisted.length}`;
      },
      target: expr.id,
    });
    if (!compiled.ok) {
      for (const problem of compiled.problems) {
        problems.push({
          path: expr.path,
          code: 'workflow-expression-unsupported',
          message: problem.message,
          hint: 'Workflow expressions use the CEL subset of mappings (docs/mapping-language.md).',
        });
      }
      continue;
    }
    functions.push({ id: expr.id, name: nameOf.get(expr.id)!, code: compiled.code, path: expr.path, expr });
  }

  const returnType = (expr: WorkflowExpression): string => {
    switch (expr.expects.kind) {
      case 'contract':
        return `${use(typeOf(expr.expects.contract)) ?? 'unknown'} | undefined`;
      case 'stateField':
        return stateType ? `${stateType}[${jsonLiteral(expr.expects.field)}] | undefined` : 'unknown';
      case 'boolean':
        return 'boolean | undefined';
      case 'string':
        return 'string | undefined';
      case 'mappingSource': {
        const mapping = mappingOf(expr.expects.mapping);
        return mapping ? `${use(mapping.from)} | undefined` : 'unknown';
      }
      case 'mappingPatch': {
        const mapping = mappingOf(expr.expects.mapping);
        helpers.add('type MergePatch');
        return mapping ? `MergePatch<${use(mapping.to)}> | undefined` : 'unknown';
      }
      case 'list':
        // Inferred, so a loop variable gets the element type (`Loop_<as>`); IsList checks it is a list.
        return '';
      default:
        return 'unknown';
    }
  };

  const body: string[] = [];
  const spans: Span<PathSegment[]>[] = [];
  const header: string[] = [BANNER, `// Workflow ${doc.name}@${doc.major}: its expressions as pure functions of the workflow's scope.`];
  // Computed after the functions are known, but written above them; offsets are added once the header is final.
  const pending: { start: number; end: number; path: PathSegment[] }[] = [];
  let offset = 0;
  const emit = (line: string) => {
    body.push(line);
    offset += line.length + 1;
  };
  for (const loopVar of new Set([...loops.values()].flat())) {
    const source = loopSources.get(loopVar);
    const fn = source ? nameOf.get(source) : undefined;
    emit(fn ? `type Loop_${loopVar} = NonNullable<ReturnType<typeof ${fn}>>[number];` : `type Loop_${loopVar} = unknown;`);
  }
  for (const f of functions) {
    const eventType = f.expr.readsEvent ? (use(typeOf(f.expr.readsEvent.contract)) ?? 'unknown') : undefined;
    const vars = f.expr.step ? (loops.get(f.expr.step) ?? []) : [];
    emit(`/** ${f.id} */`);
    const result = returnType(f.expr);
    emit(`function ${f.name}(scope: Scope${eventType ? `, event: ${eventType}` : ''})${result ? `: ${result}` : ''} {`);
    emit('  const { input, state, key } = scope;');
    emit('  void input, state, key;');
    for (const v of vars) emit(`  const ${v} = scope.items[${jsonLiteral(v)}] as Loop_${v};`);
    // The span covers the `return` too: the checker reports a result of the wrong type at the keyword.
    const start = offset + 2;
    emit(`  return (${f.code});`);
    pending.push({ start, end: start + 'return ('.length + f.code.length + 1, path: f.path });
    emit('}');
    if (f.expr.expects.kind === 'list') {
      const line = `type ${f.name}_isList = IsList<ReturnType<typeof ${f.name}>>;`;
      pending.push({ start: offset, end: offset + line.length, path: f.path });
      emit(line);
    }
  }
  // A call with a mapping: its request is the mapping applied to `from`, with `merge` on top.
  const requests: { id: string; name: string }[] = [];
  for (const step of spec.steps) {
    const call = step.call;
    const mapping = call?.mapping ? mappingOf(call.mapping.name) : undefined;
    const from = functions.find((f) => f.id === `${step.id}.${MAPPING_FROM}`);
    if (!call?.mapping || !mapping || !from || call.request !== undefined) continue;
    const merge = functions.find((f) => f.id === `${step.id}.${MAPPING_MERGE}`);
    const name = `request${requests.length}`;
    requests.push({ id: `${step.id}.request`, name });
    mappingImports.set(mapping.fn, `../mappings/${mapping.name}.js`);
    if (merge) helpers.add('mergePatch');
    const mapped = `${mapping.fn}(source)`;
    emit(`/** ${step.id}.request: Mapping ${mapping.name} of \`mapping.from\`${merge ? ', with `mapping.merge` on top' : ''}. */`);
    emit(`function ${name}(scope: Scope): ${use(mapping.to)} {`);
    emit(`  const source = ${from.name}(scope);`);
    emit(`  if (source === undefined) throw new Error(${jsonLiteral(`step ${step.id}: mapping.from is absent`)});`);
    emit(`  return ${merge ? `mergePatch(${mapped}, ${merge.name}(scope))` : mapped};`);
    emit('}');
  }
  emit('');
  emit('/** The expression functions by id, as the IR refers to them (language/workflow/workflow-ir.ts). */');
  emit('export const exprs: Record<string, (scope: Scope, event?: any) => unknown> = {');
  for (const f of functions) emit(`  ${jsonLiteral(f.id)}: ${f.name},`);
  for (const r of requests) emit(`  ${jsonLiteral(r.id)}: ${r.name},`);
  emit(`  ${jsonLiteral(NO_REQUEST)}: () => undefined,`);
  emit('};');
  emit('');
  emit('/** The workflow ready to run: its IR and these expressions (what an engine loads from a bundle). */');
  emit(`export const ${WORKFLOW_PROGRAM_EXPORT} = { ir: ${JSON.stringify(ir)}, exprs };`);

  const typeImports = [...usedTypes].sort();
  if (typeImports.length > 0) header.push(`import type { ${typeImports.join(', ')} } from '../types.js';`);
  if (helpers.size > 0) header.push(`import { ${[...helpers].sort().join(', ')} } from '../support/index.js';`);
  for (const [fn, from] of [...mappingImports].sort()) header.push(`import { ${fn} } from '${from}';`);
  hoisted.forEach((init, i) => {
    header.push(`const PATTERN_${i + 1} = ${init};`);
  });
  header.push(
    '',
    "/** What an expression reads: the input, the state so far, the enclosing loops' items, the business key. */",
    '/** Compiles only for a list (a forEach `items`). */',
    'type IsList<T extends readonly unknown[] | undefined> = T;',
    'interface Scope {',
    `  readonly input: ${inputType};`,
    `  readonly state: ${stateType ?? 'Readonly<Record<string, any>>'};`,
    '  readonly items: Readonly<Record<string, unknown>>;',
    '  readonly key: string;',
    '}',
    '',
  );
  const head = `${header.join('\n')}\n`;
  for (const p of pending) spans.push({ start: head.length + p.start, end: head.length + p.end, tag: p.path });
  return { path: workflowModulePath(doc), text: head + body.join('\n'), spans, problems };
}

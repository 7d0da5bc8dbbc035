/**
 * The generate stage's part for workflows: per Workflow document, its IR (`workflows/<name>-v<major>.ir.json`)
 * and its expression module (`workflows/<name>-v<major>.ts`), type-checked with the mappings; a type
 * error comes back as a diagnostic at the expression's YAML line.
 */
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import { locate } from '../../language/diagnostics/locate.ts';
import type { EstateIndex, SpecDocument } from '../../language/validate/estate-index.ts';
import { compileWorkflow } from '../../language/workflow/compile-workflow.ts';
import type { WorkflowIR } from '../../language/workflow/workflow-ir.ts';
import type { ContractEntry } from '../estate-view.ts';
import type { TypeError as GeneratedTypeError } from '../mappings/typecheck.ts';
import { innermostSpan } from '../shared/code-builder.ts';
import { link } from '../bundles/link.ts';
import { UNIT_ESTATE_EXPORT, calledSystems } from '../bundles/units.ts';
import { sha256, stableJson } from '../shared/hash.ts';
import { jsonLiteral, validatorName } from '../shared/naming.ts';
import { WORKFLOW_PROGRAM_EXPORT, workflowModule } from './workflow-module.ts';
import type { WorkflowModule } from './workflow-module.ts';

export interface WorkflowUnit {
  doc: SpecDocument<'Workflow'>;
  ir: WorkflowIR;
  module: WorkflowModule;
  /** `workflows/<name>-v<major>.ir.json`. */
  irPath: string;
}

export function workflowUnits(documents: readonly SpecDocument[], index: EstateIndex, contracts: readonly ContractEntry[]): WorkflowUnit[] {
  return documents
    .filter((d): d is SpecDocument<'Workflow'> => d.kind === 'Workflow')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : (a.major ?? 0) - (b.major ?? 0)))
    .map((doc) => {
      const ir = compileWorkflow(doc, index);
      const module = workflowModule(doc, ir, index, contracts);
      return { doc, ir, module, irPath: module.path.replace(/\.ts$/, '.ir.json') };
    });
}

/** The unit's files: the expression module and the IR as JSON. */
export function workflowFiles(unit: WorkflowUnit): [string, string][] {
  return [
    [unit.module.path, unit.module.text],
    [unit.irPath, `${JSON.stringify(unit.ir, null, 2)}\n`],
  ];
}

/** The unit id of a workflow major, `workflow-<name>-v<major>`: its bundle, manifest and (in a cluster) Deployment. */
export function workflowUnitId(unit: WorkflowUnit): string {
  return unit.module.path.replace(/^workflows\//, 'workflow-').replace(/\.ts$/, '');
}

/** `bundles/workflow-<name>-v<major>.js`. */
export function workflowBundlePath(unit: WorkflowUnit): string {
  return `bundles/${workflowUnitId(unit)}.js`;
}

/**
 * The workflow's deployable unit: `bundles/workflow-<name>-v<major>.js`, its module linked with the
 * run-time support it imports and the specs its worker needs (the Systems its `call` steps call) —
 * one ES module exporting `program`, `exprs` and `interlaceUnit` — and `bundles/<unit>.manifest.json`
 * (kind `Workflow`), so `interlace worker` runs it on Temporal and the controller plans a Deployment
 * for it like for a route. The embedded engine of `interlace run` loads the same bundle.
 */
export function workflowBundleFiles(
  unit: WorkflowUnit,
  files: ReadonlyMap<string, string>,
  documents: readonly SpecDocument[],
): [string, string][] {
  const id = workflowUnitId(unit);
  const systems = Object.values(unit.ir.steps).flatMap((step) => (step.type === 'call' ? [step.system] : []));
  const estate = { routes: [], apis: [], systems: calledSystems(documents, systems), contracts: [] };
  const estateModule = `units/${id}.ts`;
  const modules = new Map(files);
  // JSON.parse of a string literal: spec text stays data (an own `__proto__` key cannot set a prototype).
  modules.set(
    estateModule,
    `/** The specs unit ${id} runs: the Systems its workflow calls (no secret values). */\nexport const ${UNIT_ESTATE_EXPORT} = JSON.parse(${jsonLiteral(stableJson(estate))});\n`,
  );
  // The program the bundle exports carries the validators of the contracts data enters it by (its input,
  // the events its waits take, the answers its calls keep), checked at run time by every engine.
  const programModule = `units/${id}-program.ts`;
  const entering = [
    unit.ir.input,
    ...Object.values(unit.ir.steps).flatMap((s) =>
      s.type === 'wait' ? [s.contract] : s.type === 'call' && s.response ? [s.response] : [],
    ),
  ];
  const validators = new Map<string, { name: string; path: string }>();
  for (const reference of entering) {
    const [name, major] = reference.split('@');
    const path = `validators/${name}-v${major}.ts`;
    if (!name || major === undefined || validators.has(reference) || !files.has(path)) continue;
    validators.set(reference, { name: validatorName(name, Number(major)), path });
  }
  const moduleImport = unit.module.path.replace(/\.ts$/, '.js');
  modules.set(
    programModule,
    [
      `import { ${WORKFLOW_PROGRAM_EXPORT} as compiled, exprs } from '../${moduleImport}';`,
      ...[...validators.values()].map((v) => `import { ${v.name} } from '../${v.path.replace(/\.ts$/, '.js')}';`),
      `export { exprs };`,
      `export const ${WORKFLOW_PROGRAM_EXPORT} = { ...compiled, contracts: { ${[...validators].map(([ref, v]) => `${jsonLiteral(ref)}: ${v.name}`).join(', ')} } };`,
      '',
    ].join('\n'),
  );
  const js = link({
    modules,
    entries: [programModule, estateModule],
    header: `// Bundle of workflow ${unit.doc.name}@${unit.doc.major}. Generated by \`interlace generate\`; do not edit.`,
  });
  const manifest = {
    unit: id,
    kind: 'Workflow',
    name: unit.doc.name,
    ...(unit.doc.major !== undefined ? { major: unit.doc.major } : {}),
    spec: unit.doc.source.file,
    bundle: `${id}.js`,
    sha256: sha256(js),
    mappings: [],
    contracts: [],
    systems: estate.systems.map((s) => s.metadata.name),
    estate: UNIT_ESTATE_EXPORT,
    program: WORKFLOW_PROGRAM_EXPORT,
  };
  return [
    [workflowBundlePath(unit), js],
    [`bundles/${id}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`],
  ];
}

/** Problems the CEL compiler found and type errors of the unit's module, at their YAML lines. */
export function workflowDiagnostics(unit: WorkflowUnit, errors: readonly GeneratedTypeError[]): Diagnostic[] {
  const at = (path: Diagnostic['path'], code: string, message: string, hint: string): Diagnostic => ({
    code,
    severity: 'error',
    message,
    hint,
    file: unit.doc.source.file,
    path,
    range: locate(unit.doc.source, path),
  });
  const out = unit.module.problems.map((p) => at(p.path, p.code, p.message, p.hint));
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.file !== unit.module.path) continue;
    const span = innermostSpan(unit.module.spans, error.start);
    const first = error.message.split('\n')[0]!;
    const path = span?.tag ?? ['spec'];
    const key = `${path.join('.')}:${first}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(
      at(
        path,
        'workflow-type-error',
        span
          ? path.includes('mapping') && path.at(-1) !== 'merge'
            ? `mapping.from is not what mapping "${unit.doc.spec.steps[path[2] as number]?.call?.mapping?.name}" reads: ${first}`
            : `${path.at(-1) === 'when' ? 'condition' : 'expression'} does not type-check: ${first}`
          : `the generated workflow module does not type-check (a generator bug): ${first}`,
        span
          ? path.includes('mapping') && path.at(-1) !== 'merge'
            ? "Give `mapping.from` a value of the mapping's `from` contract (the default is `input`), or use a mapping from what the step has."
            : "Read only fields the contracts declare (input, state, a wait's event); a publish must make its contract and a set must fit its state field."
          : 'Report it with the spec that caused it.',
      ),
    );
  }
  return out;
}

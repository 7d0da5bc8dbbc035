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
import { workflowModule } from './workflow-module.ts';
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
          ? `${path.at(-1) === 'when' ? 'condition' : 'expression'} does not type-check: ${first}`
          : `the generated workflow module does not type-check (a generator bug): ${first}`,
        span
          ? "Read only fields the contracts declare (input, state, a wait's event); a publish must make its contract and a set must fit its state field."
          : 'Report it with the spec that caused it.',
      ),
    );
  }
  return out;
}

/**
 * Turning generated workflow code into a runnable `WorkflowProgram`: the expression module is linked
 * with the run-time support it imports (generators/bundles/link.ts, the same linker the bundles use)
 * and loaded as an ES module; its `exprs` and the IR make the program. What a worker and the tests
 * use; generated `.ts` is never imported directly.
 */
import type { WorkflowIR, WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import { link } from '../bundles/link.ts';

/** One self-contained ES module exporting `exprs`, from a generate run's files (the module + `support/`). */
export function linkWorkflowModule(files: ReadonlyMap<string, string>, modulePath: string): string {
  return link({ modules: files, entries: [modulePath] });
}

/**
 * Loads a linked workflow module (JavaScript text): its `program` (IR and expressions), or, given `ir`,
 * its expressions paired with that IR. Every expression the IR names must be there.
 */
export async function loadWorkflowProgram(linkedModule: string, ir?: WorkflowIR): Promise<WorkflowProgram> {
  const module = (await import(`data:text/javascript;base64,${Buffer.from(linkedModule).toString('base64')}`)) as {
    exprs?: WorkflowProgram['exprs'];
    program?: WorkflowProgram;
  };
  ir ??= module.program?.ir;
  if (!ir) throw new Error('workflow module exports no `program` and no IR was given');
  if (!module.exprs) throw new Error(`workflow module of ${ir.name}@${ir.version} exports no \`exprs\``);
  const missing = referencedExprs(ir).filter((id) => typeof module.exprs![id] !== 'function');
  if (missing.length > 0) throw new Error(`workflow module of ${ir.name}@${ir.version} lacks expressions ${missing.join(', ')}`);
  const contracts = module.program?.contracts;
  return { ir, exprs: module.exprs, ...(contracts ? { contracts } : {}) };
}

/** Every expression id the IR refers to. */
function referencedExprs(ir: WorkflowIR): string[] {
  const ids = [ir.key];
  for (const step of Object.values(ir.steps)) {
    if (step.type === 'call') ids.push(step.request);
    if (step.type === 'publish') ids.push(step.event);
    if (step.type === 'wait') {
      ids.push(step.correlate);
      if (step.match !== undefined) ids.push(step.match);
    }
    if (step.type === 'set') ids.push(...Object.values(step.assign));
    if (step.type === 'branch') ids.push(...step.choices.map((c) => c.when));
    if (step.type === 'forEach') ids.push(step.items);
    if (step.type === 'humanTask') ids.push(step.title);
    if (step.type === 'end' && step.reason !== undefined) ids.push(step.reason);
  }
  return ids;
}

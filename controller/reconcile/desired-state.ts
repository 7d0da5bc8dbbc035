/**
 * The gate and the plan, as one function of a revision's files: load → validate → check → generate →
 * plan. A revision with any error stops at the first stage that finds one and is never applied; the
 * diagnostics say where (file:line). Pure apart from the generator's in-memory cache, which the caller
 * keeps per Estate so an unchanged mapping is not compiled again.
 */
import { checkEstate } from '../../governance/check-estate.ts';
import {
  contractChangeBreaksMappings,
  contractChangeBreaksWorkflows,
  mappingsReachedByContractChanges,
} from '../../governance/mapping-breaks.ts';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import { compareDiagnostics } from '../../language/diagnostics/diagnostic.ts';
import { loadSources } from '../../language/load/load-sources.ts';
import { planEstate } from '../plan/index.ts';
import type { Plan, PlanInput, PlanOptions } from '../plan/index.ts';
import type { SourceFile } from '../../language/source/source-file.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';
import { Generator } from '../../generators/generate.ts';
import { estateGraph } from '../../runtime/map/estate-graph.ts';
import type { EstateGraph } from '../../runtime/map/estate-graph.ts';

export interface DesiredStateInput {
  files: readonly SourceFile[];
  /** Diagnostics of reading the files (too large, not UTF-8): they reject the revision too. */
  readDiagnostics?: readonly Diagnostic[];
  estate: { name: string; namespace: string };
  targetNamespace: string;
  revision: string;
  runtimeImage: string;
  /**
   * YYYY-MM-DD, from the reconciler's injectable clock. Only changes since `base` are judged against
   * it (a new deprecation's sunset, a removal before its sunset, an expired waiver): without a base
   * no date decides anything, so a revision that passed once does not start failing on a date.
   */
  today: string;
  /**
   * The files of `status.lastAppliedRevision`, when that is another commit: breaking changes and
   * deprecations are judged against what runs now, as `interlace check --base` judges a pull request.
   */
  base?: { revision: string; files: readonly SourceFile[] };
  support: ReadonlyMap<string, string>;
  planOptions?: PlanOptions;
  generator?: Generator;
}

export type GateStage = 'validate' | 'check' | 'generate' | 'plan';

export type DesiredState =
  | { accepted: true; planInput: PlanInput; plan: Plan; warnings: Diagnostic[]; graph: EstateGraph }
  | { accepted: false; stage: GateStage; diagnostics: Diagnostic[] };

export async function desiredState(input: DesiredStateInput): Promise<DesiredState> {
  const hasError = (ds: readonly Diagnostic[]) => ds.some((d) => d.severity === 'error');
  const reject = (stage: GateStage, diagnostics: readonly Diagnostic[]): DesiredState => ({
    accepted: false,
    stage,
    diagnostics: [...diagnostics].sort(compareDiagnostics),
  });

  const loaded = loadSources(input.files);
  const validation = validateEstate(loaded.documents);
  const validationDiagnostics = [...(input.readDiagnostics ?? []), ...loaded.diagnostics, ...validation.diagnostics];
  if (hasError(validationDiagnostics)) return reject('validate', validationDiagnostics);

  // The base's own problems do not block: its invalid documents are compared as if new (as in check).
  const base = input.base ? validateEstate(loadSources(input.base.files).documents) : undefined;
  const report = checkEstate({ head: validation, ...(base ? { base } : {}), today: input.today, all: true });
  if (hasError(report.diagnostics)) return reject('check', report.diagnostics);

  const generator = input.generator ?? new Generator();
  const generated = await generator.generate({ documents: validation.documents, index: validation.index, support: input.support });
  if (hasError(generated.diagnostics)) {
    // A mapping broken by a contract change since the applied revision is also reported at the
    // contract change, as `interlace check --base` does: whoever changed the contract sees it.
    const reached = mappingsReachedByContractChanges(validation.index, report.changes);
    return reject('generate', [
      ...generated.diagnostics,
      ...contractChangeBreaksMappings(reached, generated.diagnostics),
      ...contractChangeBreaksWorkflows(validation.index, reached, generated.diagnostics),
    ]);
  }

  const planInput: PlanInput = {
    estate: input.estate,
    targetNamespace: input.targetNamespace,
    revision: input.revision,
    documents: validation.documents,
    generated: generated.files,
    runtimeImage: input.runtimeImage,
    options: input.planOptions ?? {},
  };
  const plan = planEstate(planInput);
  if (hasError(plan.diagnostics)) return reject('plan', plan.diagnostics);
  const warnings = [...validationDiagnostics, ...report.diagnostics, ...generated.diagnostics, ...plan.diagnostics].filter(
    (d) => d.severity === 'warning',
  );
  // The estate map's static view of this revision (runtime/map/), built here so it crosses from the gate worker as data.
  return { accepted: true, planInput, plan, warnings, graph: estateGraph(validation.index) };
}

/** What the gate hands to apply: plain data (it crosses from the gate worker process). */
export type GateResult =
  | { accepted: true; plan: Plan; warnings: Diagnostic[]; graph?: EstateGraph }
  | { accepted: false; stage: GateStage; diagnostics: Diagnostic[] };

/** The gate run in this process. */
export async function gate(input: DesiredStateInput): Promise<GateResult> {
  const state = await desiredState(input);
  return state.accepted ? { accepted: true, plan: state.plan, warnings: state.warnings, graph: state.graph } : state;
}

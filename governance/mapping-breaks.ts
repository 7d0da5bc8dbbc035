/**
 * Mappings a contract change reaches (and the workflows that call with them), and the contract side of
 * the breaks found in them. A contract
 * change can be compatible for its consumers' schemas (a removed field under BACKWARD, bumped to the
 * next minor) and still break a mapping that reads the field. Governance cannot compile mappings (the
 * generators are its sibling layer), so the caller — `interlace check`, the controller's gate —
 * type-checks the mappings listed here with the generator and hands the diagnostics back.
 */
import type { Diagnostic } from '../language/diagnostics/diagnostic.ts';
import type { EstateIndex, SpecDocument } from '../language/validate/estate-index.ts';
import { identityOf } from '../language/validate/estate-index.ts';
import { workflowContractReferences } from '../language/workflow/workflow-steps.ts';
import type { DocumentChange } from './document-changes.ts';
import { toDiagnostic } from './finding.ts';
import type { CheckDiagnostic } from './finding.ts';

/** A mapping that reads (`from`) or writes (`to`) a contract changed since the base. */
export interface ReachedMapping {
  mapping: SpecDocument<'Mapping'>;
  contract: SpecDocument<'DataContract'>;
  side: 'from' | 'to';
}

/** The mappings whose source or target contract changed since the base, in estate order. Pure. */
export function mappingsReachedByContractChanges(head: EstateIndex, changes: readonly DocumentChange[]): ReachedMapping[] {
  const changed = new Set(changes.filter((c) => c.kind === 'changed' && c.after?.kind === 'DataContract').map((c) => c.after!));
  if (changed.size === 0) return [];
  const reached: ReachedMapping[] = [];
  for (const mapping of head.ofKind('Mapping')) {
    for (const side of ['from', 'to'] as const) {
      const resolved = head.resolve('DataContract', mapping.spec[side]);
      if (resolved.ok && changed.has(resolved.target)) reached.push({ mapping, contract: resolved.target, side });
    }
  }
  return reached;
}

/**
 * What type-checking the reached mappings needs, and no more: the mappings, the steps of a reached
 * chain (a chain is compiled from its steps), the contracts they read, write or enrich from, and the
 * Systems (a registry field, `x-interlace-registry: System`, lists their names). Each contract's types
 * stand alone, so the other contracts of the estate are not needed. In estate order. Pure.
 */
export function documentsForMappingCheck(head: EstateIndex, reached: readonly ReachedMapping[]): SpecDocument[] {
  const wanted = new Set<SpecDocument>(head.ofKind('System'));
  const addContract = (reference: unknown) => {
    if (typeof reference !== 'string') return;
    const resolved = head.resolve('DataContract', reference);
    if (resolved.ok) wanted.add(resolved.target);
  };
  const addMapping = (mapping: SpecDocument<'Mapping'>) => {
    if (wanted.has(mapping)) return;
    wanted.add(mapping);
    addContract(mapping.spec.from);
    addContract(mapping.spec.to);
    for (const lookup of Object.values(mapping.spec.enrich ?? {})) addContract(lookup?.contract);
    for (const step of mapping.spec.steps ?? []) {
      const resolved = head.resolve('Mapping', step);
      if (resolved.ok) addMapping(resolved.target);
    }
  };
  for (const { mapping } of reached) addMapping(mapping);
  // A workflow that calls with a reached mapping is type-checked with it: the mapping's output is its request.
  for (const workflow of workflowsCallingWith(head, reached)) {
    wanted.add(workflow);
    for (const [reference] of workflowContractReferences(workflow.spec)) addContract(reference);
    for (const step of workflow.spec.steps) {
      const resolved = step.call?.mapping ? head.resolve('Mapping', step.call.mapping.name) : undefined;
      if (resolved?.ok) addMapping(resolved.target);
    }
  }
  return head.documents.filter((doc) => wanted.has(doc));
}

/** The workflows with a `call` that builds its request with one of the reached mappings, in estate order. Pure. */
export function workflowsCallingWith(head: EstateIndex, reached: readonly ReachedMapping[]): SpecDocument<'Workflow'>[] {
  const mappings = new Set<SpecDocument>(reached.map((r) => r.mapping));
  return head.ofKind('Workflow').filter((workflow) =>
    workflow.spec.steps.some((step) => {
      const resolved = step.call?.mapping ? head.resolve('Mapping', step.call.mapping.name) : undefined;
      return resolved?.ok === true && mappings.has(resolved.target);
    }),
  );
}

/** The errors among `diagnostics` that lie inside the document (its file, its lines): a mapping, or a workflow calling with one. */
export function diagnosticsOfMapping(doc: SpecDocument, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const { file, yaml, lineCounter } = doc.source;
  const first = lineCounter.linePos(yaml.range[0]).line;
  const last = lineCounter.linePos(yaml.range[2]).line;
  return diagnostics.filter((d) => d.severity === 'error' && d.file === file && d.range.start.line >= first && d.range.start.line <= last);
}

/**
 * One error at each changed contract per mapping it breaks, naming the mapping's rule and its first
 * error: whoever changed the contract sees the break in their own file, even when the version bump
 * is right for the contract's compatibility mode.
 */
export function contractChangeBreaksMappings(
  reached: readonly ReachedMapping[],
  mappingDiagnostics: readonly Diagnostic[],
): CheckDiagnostic[] {
  const found: CheckDiagnostic[] = [];
  for (const { mapping, contract, side } of reached) {
    const errors = diagnosticsOfMapping(mapping, mappingDiagnostics);
    const first = errors[0];
    if (!first) continue;
    const reads = side === 'from' ? 'reads' : 'writes';
    found.push(
      toDiagnostic({
        rule: 'contract-breaks-mapping',
        severity: 'error',
        doc: contract,
        path: ['spec', 'schema'],
        message: `this change to ${identityOf(contract)} breaks Mapping/${mapping.name}, which ${reads} it: ${first.file}:${first.range.start.line}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
        hint: `A change that breaks a mapping is an error whatever the version bump: keep what the mapping ${reads}, or change Mapping/${mapping.name} in the same change.`,
        discriminator: mapping.name,
      }),
    );
  }
  return found;
}

/**
 * One error at each changed contract per workflow it breaks through a mapping the workflow calls with
 * (a `from` that no longer fits, a `merge` field the target lost), naming the workflow's first error.
 */
export function contractChangeBreaksWorkflows(
  head: EstateIndex,
  reached: readonly ReachedMapping[],
  diagnostics: readonly Diagnostic[],
): CheckDiagnostic[] {
  const found: CheckDiagnostic[] = [];
  for (const { mapping, contract, side } of reached) {
    for (const workflow of workflowsCallingWith(head, [{ mapping, contract, side }])) {
      const errors = diagnosticsOfMapping(workflow, diagnostics);
      const first = errors[0];
      if (!first) continue;
      found.push(
        toDiagnostic({
          rule: 'contract-breaks-mapping',
          severity: 'error',
          doc: contract,
          path: ['spec', 'schema'],
          message: `this change to ${identityOf(contract)} breaks ${identityOf(workflow)}, which calls with Mapping/${mapping.name}: ${first.file}:${first.range.start.line}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
          hint: `Keep what the workflow's call needs, or change ${identityOf(workflow)} (its \`mapping.from\` or \`mapping.merge\`) in the same change.`,
          discriminator: `${mapping.name}/${workflow.name}`,
        }),
      );
    }
  }
  return found;
}

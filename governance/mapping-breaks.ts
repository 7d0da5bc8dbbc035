/**
 * Mappings a contract change reaches, and the contract side of the breaks found in them. A contract
 * change can be compatible for its consumers' schemas (a removed field under BACKWARD, bumped to the
 * next minor) and still break a mapping that reads the field. Governance cannot compile mappings (the
 * generators are its sibling layer), so the caller — `interlace check`, the controller's gate —
 * type-checks the mappings listed here with the generator and hands the diagnostics back.
 */
import type { Diagnostic } from '../language/diagnostics/diagnostic.ts';
import type { EstateIndex, SpecDocument } from '../language/validate/estate-index.ts';
import { identityOf } from '../language/validate/estate-index.ts';
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
  return head.documents.filter((doc) => wanted.has(doc));
}

/** The errors among `diagnostics` that lie inside the mapping's document (its file, its lines). */
export function diagnosticsOfMapping(mapping: SpecDocument<'Mapping'>, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const { file, yaml, lineCounter } = mapping.source;
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

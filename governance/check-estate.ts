import type { PathSegment, Severity } from '../language/diagnostics/diagnostic.ts';
import { compareDiagnostics } from '../language/diagnostics/diagnostic.ts';
import type { SpecDocument } from '../language/validate/estate-index.ts';
import { identityOf } from '../language/validate/estate-index.ts';
import type { ValidationResult } from '../language/validate/validate-estate.ts';
import { compareApis } from './api-changes.ts';
import { compareWorkflows } from './workflow-changes.ts';
import type { BreakingChange, ChangeSize } from './breaking-change.ts';
import { compareContracts } from './contract-changes.ts';
import type { ContractVersion } from './contract-changes.ts';
import { diffDocuments } from './document-changes.ts';
import type { DocumentChange } from './document-changes.ts';
import { toDiagnostic } from './finding.ts';
import type { CheckDiagnostic, Finding } from './finding.ts';
import { computeImpact } from './impact.ts';
import type { Impact } from './impact.ts';
import { inScope, readPolicies } from './policy-config.ts';
import type { Waiver } from './policy-config.ts';
import { compareRoutes } from './route-changes.ts';
import { BUILT_IN_RULES } from './rules/catalog.ts';
import { applyWaivers } from './waivers.ts';

export interface CheckInput {
  head: ValidationResult;
  /** The estate at the base revision; without it only the tree is checked. */
  base?: ValidationResult;
  /** Earlier versions of a contract major found in history (oldest first), by identity, for the _TRANSITIVE modes. */
  history?: ReadonlyMap<string, ContractVersion[]>;
  /**
   * Today (YYYY-MM-DD); passed in so the stage stays pure. Only what changed since the base is judged
   * against it (a new deprecation's sunset, a removal before its sunset, an expired waiver): without
   * a base no finding depends on the date.
   */
  today: string;
  /** Display paths of files changed since the base; findings elsewhere are left out unless `all`. */
  touchedFiles?: ReadonlySet<string>;
  /** Report on the whole estate, not only what the change touched. */
  all: boolean;
}

export interface CheckReport {
  /** Governance findings (breaking changes, policies, waivers), waived ones removed. */
  diagnostics: CheckDiagnostic[];
  /** Documents added, changed or removed since the base. */
  changes: DocumentChange[];
  changeSizes: Map<string, ChangeSize>;
  breakingChanges: BreakingChange[];
  /** Who is affected by each changed contract, API and route. */
  impacts: Impact[];
  waiversUsed: { waiver: Waiver; findings: CheckDiagnostic[] }[];
}

/**
 * The governance stage: compares the estate with its base, evaluates every built-in and custom
 * rule, applies waivers. Pure: all I/O (git, the clock) happened before.
 */
export function checkEstate(input: CheckInput): CheckReport {
  const head = input.head.index;
  const base = input.base?.index;
  const changes = base ? diffDocuments(base.documents, head.documents) : [];
  const changeSizes = new Map<string, ChangeSize>();
  const breakingChanges: BreakingChange[] = [];
  for (const change of changes) {
    const { before, after } = change;
    if (change.kind !== 'changed' || !before || !after) continue;
    let result: { breaking: BreakingChange[]; size: ChangeSize } | undefined;
    // Documents are paired by identity, which starts with the kind: both sides are of one kind.
    if (after.kind === 'DataContract' && before.kind === 'DataContract') {
      result = compareContracts(before, after, input.history?.get(change.identity) ?? []);
    } else if (after.kind === 'Api' && before.kind === 'Api') {
      result = compareApis(before, after, input.today);
    } else if (after.kind === 'Workflow' && before.kind === 'Workflow') {
      result = compareWorkflows(before, after);
    } else if (after.kind === 'EventRoute' && before.kind === 'EventRoute' && base) {
      result = compareRoutes(before, after, base, head);
    }
    changeSizes.set(change.identity, result?.size ?? 'additive');
    breakingChanges.push(...(result?.breaking ?? []));
  }

  const policy = readPolicies(head, BUILT_IN_RULES);
  const findings: Finding[] = [];
  const configFinding = (rule: string, severity: Severity, doc: SpecDocument, path: PathSegment[], message: string, hint: string) =>
    findings.push({ rule, severity, doc, path, message, hint });
  for (const problem of policy.problems) configFinding(problem.code, 'error', problem.doc, problem.path, problem.message, problem.hint);

  for (const rule of BUILT_IN_RULES) {
    const settings = policy.settings.get(rule.id)!;
    if (settings.severity === 'off' || (rule.needsBase && !base)) continue;
    // The engine, not each rule, selects what a rule looks at: its kinds, within the Policy's scope.
    const applies = (doc: SpecDocument) => rule.kinds.includes(doc.kind) && inScope(settings.scope, doc);
    rule.evaluate({
      documents: head.documents.filter(applies),
      head,
      base,
      changes: changes.filter((change) => applies((change.after ?? change.before)!)),
      breakingChanges: breakingChanges.filter((change) => applies(change.doc)),
      changeSizes,
      today: input.today,
      params: settings.params,
      report: (doc, path, message, hint, discriminator) =>
        findings.push({ rule: rule.id, severity: settings.severity as Severity, doc, path, message, hint, discriminator }),
    });
  }
  for (const rule of policy.custom) {
    for (const doc of head.documents) {
      if (!inScope(rule.scope, doc)) continue;
      const result = rule.evaluate(doc.source.value);
      if (!result.ok) {
        findings.push({
          rule: 'policy-rule-error',
          severity: 'error',
          doc: rule.source.doc,
          path: [...rule.source.path, 'expr'],
          message: `custom rule ${rule.id} cannot be evaluated on ${identityOf(doc)}: ${result.error}`,
          hint: 'Guard optional fields with has(), e.g. `!has(doc.spec.auth) || doc.spec.auth.type != "none"`.',
          discriminator: identityOf(doc),
        });
      } else if (!result.value) {
        findings.push({
          rule: rule.id,
          severity: rule.severity,
          doc,
          path: ['spec'],
          message: `${identityOf(doc)}: ${rule.message}`,
          hint: rule.hint,
        });
      }
    }
  }

  const waived = applyWaivers(findings.map(toDiagnostic), policy.waivers, input.today, { enforceExpiry: base !== undefined });
  const changedIdentities = new Set(changes.filter((c) => c.kind !== 'unchanged').map((c) => c.identity));
  const relevant = (d: CheckDiagnostic) =>
    input.all || !input.touchedFiles || input.touchedFiles.has(d.file) || changedIdentities.has(d.target);
  const impacts = changes
    .filter((c) => c.kind !== 'unchanged' && ['DataContract', 'Api', 'EventRoute'].includes((c.after ?? c.before)!.kind))
    .map((c) => computeImpact(c.after ? head : base!, (c.after ?? c.before)!));
  return {
    diagnostics: waived.diagnostics.filter(relevant).sort(compareDiagnostics),
    changes: changes.filter((c) => c.kind !== 'unchanged'),
    changeSizes,
    breakingChanges,
    impacts,
    waiversUsed: waived.used,
  };
}

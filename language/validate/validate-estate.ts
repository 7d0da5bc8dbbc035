import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { compareDiagnostics, formatPath } from '../diagnostics/diagnostic.ts';
import type { KindName } from '../kinds/registry.ts';
import type { LoadedDocument } from '../load/loaded-document.ts';
import { checkApiParameterPatterns } from './check-contract-keywords.ts';
import { checkContract } from './check-contracts.ts';
import { checkCycles } from './check-cycles.ts';
import { checkDeliverableTargets } from './check-deliverable-targets.ts';
import { checkMappingChains } from './check-mapping-chains.ts';
import { checkEnvelope } from './check-envelope.ts';
import { checkExpressions } from './check-expressions.ts';
import { identify, identifyLeniently } from './check-identities.ts';
import { checkMapping } from './check-mappings.ts';
import { checkReferences } from './check-references.ts';
import { checkSchema } from './check-schema.ts';
import { checkSecrets } from './check-secrets.ts';
import { checkFileRouting, checkFileSources } from './check-file-sources.ts';
import { checkPollSources } from './check-poll-sources.ts';
import { checkWebhookRouting, checkWebhookSource } from './check-webhook-sources.ts';
import { checkSystemAuth } from './check-system-auth.ts';
import { checkUniqueEntries } from './check-unique-entries.ts';
import { checkScale } from './check-scale.ts';
import { checkSlo } from './check-slo.ts';
import { EstateIndex, identityOf } from './estate-index.ts';
import type { SpecDocument } from './estate-index.ts';
import { specDocument } from './estate-index.ts';
import { Reporter } from './report.ts';
import { checkWorkflowSteps } from '../workflow/check-workflow-steps.ts';
import { checkWorkflowsAgainstEstate } from '../workflow/check-workflow-estate.ts';

export interface ValidationResult {
  /** Documents that passed their schema and have a unique identity; later stages read these. */
  documents: SpecDocument[];
  index: EstateIndex;
  diagnostics: Diagnostic[];
}

/**
 * Validates loaded documents: first each on its own (envelope, credentials, schema, then the meaning
 * of a contract, a mapping's rules, expressions, unique entries), then the estate as a whole
 * (identities, references, agreement, cycles). Pure.
 * A document that fails its schema is left out of the estate checks, so one mistake is reported once.
 */
export function validateEstate(loaded: readonly LoadedDocument[], cache?: DocumentCheckCache): ValidationResult {
  const report = new Reporter();
  const diagnostics: Diagnostic[] = [];
  const valid: { source: LoadedDocument; kind: KindName }[] = [];
  const invalid: { source: LoadedDocument; kind: KindName }[] = [];

  for (const source of loaded) {
    let checked = cache?.get(source);
    if (!checked) {
      checked = checkDocument(source);
      cache?.set(source, checked);
    }
    diagnostics.push(...checked.diagnostics);
    if (checked.validKind) valid.push({ source, kind: checked.validKind });
    else if (checked.kind) invalid.push({ source, kind: checked.kind });
  }

  const identified = identify(valid);
  diagnostics.push(...identified.diagnostics);
  const taken = new Set(identified.documents.map(identityOf));
  const resolvableOnly = identifyLeniently(invalid).filter((doc) => !taken.has(identityOf(doc)));
  const index = new EstateIndex(identified.documents, resolvableOnly);
  checkReferences(index, report);
  checkCycles(index, report);
  checkDeliverableTargets(index, report);
  checkMappingChains(index, report);
  checkWebhookRouting(index, report);
  checkFileRouting(index, report);
  checkWorkflowsAgainstEstate(index, report);
  diagnostics.push(...report.diagnostics);
  return { documents: identified.documents, index, diagnostics: diagnostics.sort(compareDiagnostics) };
}

/** What the per-document checks found; cached by `--watch` for documents whose file did not change. */
export interface DocumentCheck {
  /** Set when apiVersion and kind are right. */
  kind?: KindName;
  /** Set when the document also passed its schema. */
  validKind?: KindName;
  diagnostics: Diagnostic[];
}

/** Cache of per-document results keyed by the loaded document object (reused while its file is unchanged). */
export type DocumentCheckCache = WeakMap<LoadedDocument, DocumentCheck>;

/**
 * Everything that looks at one document alone: envelope, inline credentials, schema, and for a
 * schema-valid document the meaning checks that need no other document. Cached by `--watch`.
 */
export function checkDocument(source: LoadedDocument): DocumentCheck {
  const envelope = checkEnvelope(source);
  if (!envelope.kind) return { diagnostics: envelope.diagnostics };
  const kind = envelope.kind;
  const report = new Reporter();
  const secretPaths = new Set(checkSecrets(source, kind, report).map(formatPath));
  const schemaProblems = checkSchema(source, kind).filter((d) => !secretPaths.has(formatPath(d.path)));
  if (schemaProblems.length === 0) {
    const value = source.value as { metadata: { name: string }; spec: unknown };
    const doc = specDocument(source, kind, value.metadata.name, value.spec);
    if (doc.kind === 'DataContract') checkContract(doc, report);
    if (doc.kind === 'Mapping') checkMapping(doc, report);
    if (kind === 'Api') checkApiParameterPatterns(doc, value.spec, report);
    checkExpressions(doc, report);
    checkUniqueEntries(doc, report);
    checkPollSources(doc, report);
    checkWebhookSource(doc, report);
    checkFileSources(doc, report);
    checkSystemAuth(doc, report);
    checkScale(doc, report);
    checkSlo(doc, report);
    if (doc.kind === 'Workflow') checkWorkflowSteps(doc, report);
  }
  return {
    kind,
    validKind: schemaProblems.length === 0 ? kind : undefined,
    diagnostics: [...envelope.diagnostics, ...report.diagnostics, ...schemaProblems],
  };
}

import type { PathSegment, Severity } from '../language/diagnostics/diagnostic.ts';
import type { EstateIndex, SpecDocument } from '../language/validate/estate-index.ts';
import type { BreakingChange, ChangeSize } from './breaking-change.ts';
import type { DocumentChange } from './document-changes.ts';

/** What a rule sees. Everything is data: rules are pure. */
export interface RuleContext {
  head: EstateIndex;
  /** The estate at the base revision; absent without --base. */
  base?: EstateIndex;
  /** Every document's change since the base (empty without --base). */
  changes: readonly DocumentChange[];
  /** Breaking changes found between base and head. */
  breakingChanges: readonly BreakingChange[];
  /** How big each changed document's change is, by identity (`DataContract/order@2`). */
  changeSizes: ReadonlyMap<string, ChangeSize>;
  /** Today, YYYY-MM-DD: deadlines and expiries are measured against it. */
  today: string;
  /** The rule's parameters: defaults merged with the Policy documents' `params`. */
  params: Record<string, unknown>;
  /** Whether the rule applies to a document (the Policy's scope). */
  inScope: (doc: SpecDocument) => boolean;
  report: (doc: SpecDocument, path: PathSegment[], message: string, hint: string, discriminator?: string) => void;
}

export interface RuleParameter {
  description: string;
  default: unknown;
}

/** A built-in governance rule: documented, parameterized, with a passing and a failing example. */
export interface RuleDefinition {
  id: string;
  /** One line: what the rule requires. */
  title: string;
  /** Why the rule exists — what goes wrong without it. */
  rationale: string;
  defaultSeverity: Severity;
  params?: Record<string, RuleParameter>;
  /** Compares with the base revision; silent without --base. */
  needsBase?: boolean;
  /** YAML that passes and YAML that fails, for docs/rules.md and the rule's own test. */
  example: { pass: string; fail: string };
  evaluate: (context: RuleContext) => void;
}

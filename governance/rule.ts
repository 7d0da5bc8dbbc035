import type { PathSegment, Severity } from '../language/diagnostics/diagnostic.ts';
import type { KindName } from '../language/kinds/registry.ts';
import type { EstateIndex, SpecDocument } from '../language/validate/estate-index.ts';
import type { BreakingChange, ChangeSize } from './breaking-change.ts';
import type { DocumentChange } from './document-changes.ts';

/**
 * What a rule sees. Everything is data: rules are pure. The engine has already filtered by the rule's
 * kinds and the Policy's scope, so a rule never asks whether a document concerns it (as in Spectral,
 * where a rule's `given` selects what it is run on).
 */
export interface RuleContext<K extends KindName = KindName> {
  /** The head documents of the rule's kinds that are in the rule's scope, in estate order. */
  documents: readonly SpecDocument<K>[];
  /** The whole estate at head, for resolving references out of scope (a route's target system). */
  head: EstateIndex;
  /** The estate at the base revision; absent without --base. */
  base?: EstateIndex;
  /** The changes since the base of documents of the rule's kinds in scope (empty without --base). */
  changes: readonly DocumentChange[];
  /** Breaking changes found between base and head, of documents of the rule's kinds in scope. */
  breakingChanges: readonly BreakingChange[];
  /** How big each changed document's change is, by identity (`DataContract/order@2`). */
  changeSizes: ReadonlyMap<string, ChangeSize>;
  /** Today, YYYY-MM-DD: deadlines and expiries are measured against it. */
  today: string;
  /**
   * The rule's parameters: defaults merged with the Policy documents' `params`. Each value has passed
   * its parameter's schema (a bad one is reported at its line in the Policy and the default is used),
   * so a rule may read `params.minDays as number`.
   */
  params: Readonly<Record<string, unknown>>;
  report: (doc: SpecDocument, path: PathSegment[], message: string, hint: string, discriminator?: string) => void;
}

/** A JSON Schema (2020-12) for one parameter's value. */
export type ParameterSchema = Readonly<Record<string, unknown>>;

export interface RuleParameter {
  description: string;
  default: unknown;
  /**
   * What a value must look like. `format: regex` means a regular expression that compiles; the engine
   * checks Policy params against this and reports a bad one at its line.
   */
  schema: ParameterSchema;
}

/** A built-in governance rule: documented, parameterized, with a passing and a failing example. */
export interface RuleDefinition<K extends KindName = KindName> {
  id: string;
  /** One line: what the rule requires. */
  title: string;
  /** Why the rule exists — what goes wrong without it. */
  rationale: string;
  /** `off`: the rule runs only where a Policy gives it a severity. */
  defaultSeverity: Severity | 'off';
  /** The kinds of document the rule looks at; the engine gives it only those. */
  kinds: readonly K[];
  params?: Readonly<Record<string, RuleParameter>>;
  /** Compares with the base revision; silent without --base. */
  needsBase?: boolean;
  /** YAML that passes and YAML that fails, for docs/rules.md and the rule's own test. */
  example: { pass: string; fail: string };
  /**
   * Method syntax on purpose: the catalog holds rules of different kinds as `RuleDefinition`, and
   * method parameters are compared bivariantly. That is sound here because the engine passes each rule
   * only documents of its own `kinds`.
   */
  evaluate(context: RuleContext<K>): void;
}

/** Declares a rule with its document type inferred from `kinds`. */
export function defineRule<K extends KindName>(rule: RuleDefinition<K>): RuleDefinition<K> {
  return rule;
}

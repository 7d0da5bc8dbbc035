import type { PathSegment } from '../language/diagnostics/diagnostic.ts';
import type { SpecDocument } from '../language/validate/estate-index.ts';

/** One way a change breaks existing producers or consumers of a contract, API or route. */
export interface BreakingChange {
  /** The document at head (or, for a removal, at base). */
  doc: SpecDocument;
  /** Where in that document. */
  path: PathSegment[];
  /** Stable id of the kind of change (`property-removed-closed`, `operation-removed`, ...). */
  change: string;
  message: string;
  hint: string;
  /** Who breaks: readers of new data, writers of old data, API clients, subscribers of a topic, or a workflow's executions in flight. */
  affects: 'readers' | 'writers' | 'clients' | 'subscribers' | 'executions';
  /** For contract findings: the earlier version it was checked against. */
  againstVersion?: string;
}

/** How big a change is, which decides the version bump it needs. */
export type ChangeSize = 'none' | 'docs' | 'additive' | 'breaking';

/**
 * What the keyword comparators share: the recursive `compare` (passed in rather than imported, so
 * that the comparators and the driver do not import each other) and the way findings are reported.
 */
import type { Conj, Group } from './conjunction.ts';
import type { Details, Labels } from './explain.ts';
import type { Incompatibility, Located } from './types.ts';

/** The writer alternative being checked, when the writer's anyOf/oneOf was expanded at this field. */
export interface WriterBranch {
  readonly group: Group;
  readonly index: number;
  readonly branch: Located;
}

export interface Context {
  readonly labels: Labels;
  /** Reports every way `r` may reject an instance that `w` accepts, at data path `field`. */
  compare(r: Conj, w: Conj, field: string, branch?: WriterBranch): void;
  /** Adds one finding. */
  report(change: string, field: string, pointer: string, details?: Details): void;
  /** Runs `fn` and returns the findings it reported instead of keeping them (to try alternatives). */
  collect(fn: () => void): Incompatibility[];
}

/** What the writer can produce at this point, after the type check. */
export interface Live {
  /** JSON types the writer may produce that the reader also accepts ('number' includes integers). */
  readonly types: ReadonlySet<string>;
  /** True when every number the writer produces is an integer (bounds are then compared as integers). */
  readonly integerOnly: boolean;
  /** The writer's finite set of values (enum/const) still in play, if it has one. */
  readonly values: readonly unknown[] | undefined;
}

/**
 * Public shapes of the compatibility checker. Kept apart from the algorithm so that callers (the
 * `check` stage, formatters) can import the types without pulling the implementation.
 */

/** One reason why a reading schema may reject an instance that a writing schema accepts. */
export interface Incompatibility {
  /**
   * Stable id of the kind of change, e.g. 'property-added-open', 'property-removed-closed',
   * 'required-added', 'type-narrowed', 'enum-value-removed', 'enum-added', 'max-length-decreased',
   * 'min-length-increased', 'maximum-decreased', 'minimum-increased', 'exclusive-bound-tightened',
   * 'pattern-added', 'pattern-changed', 'format-added', 'format-changed', 'items-min-increased',
   * 'items-max-decreased', 'unique-items-added', 'additional-properties-closed',
   * 'additional-properties-narrowed', 'combinator-branch-removed', 'combinator-added', 'const-changed',
   * 'multiple-of-changed', 'not-added', 'schema-false'; the full list is the keys of `TEMPLATES` in explain.ts.
   */
  change: string;
  /** Where in the data, in user terms: '' for the root, 'customer.email', 'lines[].quantity'. */
  field: string;
  /**
   * Where in the reader schema (a JSON pointer, e.g. '/properties/lines/items/properties/quantity'),
   * or in the writer schema when the reader has no counterpart.
   */
  schemaPointer: string;
  /** One sentence saying what changed and why it breaks, in the user's words. */
  message: string;
  /** What to do about it. */
  hint: string;
}

/** Confluent Schema Registry's compatibility modes. */
export type CompatibilityMode = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE' | 'NONE';

/** An incompatibility found by `checkCompatibility`, with the direction and the version it breaks. */
export interface CompatibilityFinding extends Incompatibility {
  /** 'backward': the new version cannot read old data; 'forward': an old version cannot read new data. */
  direction: 'backward' | 'forward';
  /** The earlier version the new one was checked against. */
  againstVersion: string;
}

/** How messages name the two schemas ("version 1.2.0", "the new version 2.0.0"). */
export interface FindOptions {
  /** Defaults to 'the reader schema'. */
  readerLabel?: string;
  /** Defaults to 'the writer schema'. */
  writerLabel?: string;
}

/** A subschema together with its JSON pointer inside the document it came from. */
export interface Located {
  readonly schema: unknown;
  readonly ptr: string;
}

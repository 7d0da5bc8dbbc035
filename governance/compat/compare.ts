/**
 * The driver of the "reader ⊇ writer" check: one recursive comparison of two conjunctions at a data
 * path, which expands disjunctions, checks types and values, and hands each JSON type's keywords to
 * its comparator. Termination: a pair of conjunctions already under comparison is assumed compatible
 * when met again (recursive schemas), plus a depth and step budget as a backstop.
 */
import { compareArrays } from './compare-arrays.ts';
import { compareNot, compareOpaque, compareReaderDisjunction } from './compare-combinators.ts';
import { compareObjects } from './compare-objects.ts';
import { compareFormats, compareNumbers, compareStrings, compareValues } from './compare-scalars.ts';
import {
  acceptsAll,
  canonical,
  enumOf,
  expand,
  groupsOf,
  hasFalse,
  jsonType,
  typeAccepts,
  typesOf,
  unsatisfiable,
  type Conj,
} from './conjunction.ts';
import type { Context, Live, WriterBranch } from './context.ts';
import { atomsEqual } from './equality.ts';
import { explain, type Details, type Labels } from './explain.ts';
import type { Incompatibility } from './types.ts';

const MAX_DEPTH = 200;
const MAX_STEPS = 50_000;

/** The JSON types; 'number' stands for every number, 'integer' for integers only. */
const ALL_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'string'] as const;

export class Comparison implements Context {
  readonly labels: Labels;
  private findings: Incompatibility[] = [];
  private readonly inProgress = new Set<string>();
  private readonly equalMemo = new Map<string, boolean>();
  private depth = 0;
  private steps = 0;
  /** True once the step budget ran out: the result is then incomplete and says so. */
  exhausted = false;

  constructor(labels: Labels) {
    this.labels = labels;
  }

  /** The findings reported so far. */
  result(): Incompatibility[] {
    return this.findings;
  }

  report(change: string, field: string, pointer: string, details: Details = {}): void {
    const { message, hint } = explain(change, field, this.labels, details);
    this.findings.push({ change, field, schemaPointer: pointer, message, hint });
  }

  collect(fn: () => void): Incompatibility[] {
    const saved = this.findings;
    this.findings = [];
    try {
      fn();
      return this.findings;
    } finally {
      this.findings = saved;
    }
  }

  compare(r: Conj, w: Conj, field: string, branch?: WriterBranch): void {
    if (this.exhausted) return;
    if (++this.steps > MAX_STEPS) {
      this.exhausted = true;
      return;
    }
    if (unsatisfiable(w) || acceptsAll(r)) return;
    const key = `${r.key}|${w.key}`;
    if (this.inProgress.has(key) || this.depth >= MAX_DEPTH) return;
    // Unchanged content is never reported, whatever the checker's blind spots (patterns, oneOf).
    if (r.expanded.size === 0 && w.expanded.size === 0 && this.equal(r, w)) return;
    this.inProgress.add(key);
    this.depth++;
    try {
      this.dispatch(r, w, field, branch);
    } finally {
      this.inProgress.delete(key);
      this.depth--;
    }
  }

  private equal(r: Conj, w: Conj): boolean {
    const key = `${r.key}|${w.key}`;
    let equal = this.equalMemo.get(key);
    if (equal === undefined) {
      equal = atomsEqual(r.root, r.atoms, w.root, w.atoms);
      this.equalMemo.set(key, equal);
    }
    return equal;
  }

  private dispatch(r: Conj, w: Conj, field: string, branch: WriterBranch | undefined): void {
    if (hasFalse(r)) {
      this.report('schema-false', field, r.atoms.find((atom) => atom.schema === false)?.ptr ?? r.ptr);
      return;
    }
    const writerGroup = groupsOf(w)[0];
    if (writerGroup) {
      writerGroup.branches.forEach((located, index) => {
        const wb = expand(w, writerGroup, index);
        if (!unsatisfiable(wb)) this.compare(r, wb, field, { group: writerGroup, index, branch: located });
      });
      return;
    }
    const readerGroup = groupsOf(r)[0];
    if (readerGroup) {
      compareReaderDisjunction(this, r, w, field, readerGroup, branch, (found) => this.findings.push(...found));
      return;
    }
    this.core(r, w, field);
  }

  /** Both sides free of disjunctions: types, values, then each type's keywords. */
  private core(r: Conj, w: Conj, field: string): void {
    const live = this.compareTypes(r, w, field);
    if (!live) return;
    compareFormats(this, r, w, field);
    if (live.values) {
      compareValues(this, r, w, field, live.values);
      const kinds = new Set(live.values.map(jsonType));
      if (kinds.has('array')) compareArrays(this, r, w, field);
      if (kinds.has('object')) compareObjects(this, r, w, field);
    } else {
      if (live.types.has('string')) compareStrings(this, r, w, field);
      if (live.types.has('number') || live.types.has('integer')) compareNumbers(this, r, w, field, live.integerOnly);
      if (live.types.has('array')) compareArrays(this, r, w, field);
      if (live.types.has('object')) compareObjects(this, r, w, field);
    }
    compareNot(this, r, w, field, live);
    compareOpaque(this, r, w, field);
  }

  /**
   * Reports types and enum/const values the reader no longer accepts, and returns what the writer
   * can still produce that the reader accepts (undefined when nothing is left to compare).
   */
  private compareTypes(r: Conj, w: Conj, field: string): Live | undefined {
    const { types: readerTypes, atom: readerTypeAtom } = typesOf(r);
    const { types: writerDeclared } = typesOf(w);
    const writerEnum = enumOf(w);
    const writerValues = writerEnum?.values.filter((v) => typeAccepts(writerDeclared, jsonType(v)));

    // What the writer can produce: its declared types (or all), or the types of its values.
    const writerTypes = new Set<string>(writerValues ? writerValues.map(jsonType) : (writerDeclared ?? ALL_TYPES));
    if (writerTypes.has('number')) writerTypes.delete('integer');

    const live = new Set<string>();
    const lost: string[] = [];
    for (const t of writerTypes) {
      if (typeAccepts(readerTypes, t)) live.add(t);
      else if (t === 'number' && readerTypes?.has('integer')) {
        live.add('integer');
        lost.push('number (non-integer)');
      } else lost.push(t);
    }
    if (lost.length > 0) {
      this.report('type-narrowed', field, readerTypeAtom?.ptr ?? r.ptr, {
        reader: readerTypes ? [...readerTypes] : undefined,
        writer: writerDeclared ? [...writerDeclared] : writerValues ? [...writerTypes] : undefined,
        lost,
      });
    }
    if (live.size === 0) return undefined;
    let values = writerValues?.filter((v) => typeAccepts(readerTypes, jsonType(v)));

    const readerEnum = enumOf(r);
    if (readerEnum) {
      const keys = new Set(readerEnum.values.map(canonical));
      if (values && writerEnum) {
        const missing = values.filter((v) => !keys.has(canonical(v)));
        if (missing.length > 0) {
          const change = readerEnum.kind === 'const' && writerEnum.kind === 'const' ? 'const-changed' : 'enum-value-removed';
          this.report(change, field, readerEnum.atom.ptr, { lost: missing, reader: readerEnum.values[0], writer: writerEnum.values[0] });
        }
        values = values.filter((v) => keys.has(canonical(v)));
      } else {
        // Only null and booleans have a finite domain: { enum: [true, false] } restricts nothing.
        const domain = finiteDomain(live);
        if (!domain?.every((v) => keys.has(canonical(v)))) {
          this.report(readerEnum.kind === 'const' ? 'const-added' : 'enum-added', field, readerEnum.atom.ptr, {
            lost: readerEnum.values,
            reader: readerEnum.values[0],
          });
        }
      }
    }
    return { types: live, integerOnly: live.has('integer') && !live.has('number'), values };
  }
}

function finiteDomain(types: ReadonlySet<string>): unknown[] | undefined {
  const out: unknown[] = [];
  for (const t of types) {
    if (t === 'null') out.push(null);
    else if (t === 'boolean') out.push(true, false);
    else return undefined;
  }
  return out;
}

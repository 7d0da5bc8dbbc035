/**
 * Seeded mutations of the example estate. A case is 1–3 mutations drawn from one seed, so
 * `(seed, case)` always makes the same files. Mutations work on text lines (spec YAML is line
 * oriented enough) and on raw bytes, and aim at what a person, a merge or a hostile author produces:
 * flipped bits, deleted lines, a scalar of another type, huge strings, aliases (recursive too),
 * unicode, a second document with the same identity, references swapped to make cycles, and field
 * names that objects inherit.
 */

/** A small, fast, seedable generator (mulberry32). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** The seed of case `index` of a run with `seed`: every case can be replayed on its own. */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/** The estate as files under specs/, by relative path. */
export type Estate = ReadonlyMap<string, Buffer>;

/** What a case changes: new content for some files (new paths add files). */
export interface Mutation {
  files: Map<string, Buffer>;
  /** One line per mutation applied, for the report. */
  steps: string[];
}

type Mutator = (
  rng: Rng,
  file: string,
  lines: string[],
  estate: Estate,
) => { lines?: string[]; extra?: [string, Buffer]; step: string } | undefined;

const KEY_LINE = /^(\s*(?:- )?)([A-Za-z_$][\w$.-]*)(:\s+)(.*)$/;
const SCALARS = [
  '0',
  '-1',
  '1e400',
  '-.inf',
  '.inf',
  '.nan',
  'true',
  'null',
  '~',
  '""',
  '[]',
  '{}',
  '2026-13-45',
  '-0',
  '0x1F',
  '9007199254740993',
  '[1, [2, [3]]]',
  '{a: 1}',
  '!!binary aGk=',
  '"\\u0000"',
  '"@"',
  "'*'",
  '1.0.0',
  'a@1',
  'x@99',
];
const UNICODE = ['\u202e', '\u200b', '\ufeff', '😀', 'e\u0301', 'İ', 'ß', '\u2028', 'Ａ', 'а', '\u0085', '𝕏', '\u00a0', 'ﬀ', 'Ω'];
const INHERITED_NAMES = [
  'hasOwnProperty',
  'toString',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
];
const REFERENCE_KEYS = new Set(['from', 'to', 'contract', 'successor', 'topic', 'operation', 'system', 'mapping', 'api']);

const keyLines = (lines: readonly string[]) => lines.map((line, i) => [i, KEY_LINE.exec(line)] as const).filter(([, m]) => m !== null);
const scalarLines = (lines: readonly string[]) =>
  keyLines(lines).filter(([, m]) => m![4]!.trim() !== '' && !m![4]!.startsWith('|') && !m![4]!.startsWith('>'));
const replaceLine = (lines: readonly string[], i: number, text: string) => [
  ...lines.slice(0, i),
  ...text.split('\n'),
  ...lines.slice(i + 1),
];
const indentOf = (line: string) => /^\s*/.exec(line)![0].length;
/** The key of the block a line sits in (`properties` for a field of a schema). */
function parentKey(lines: readonly string[], i: number): string | undefined {
  const indent = indentOf(lines[i]!.replace(/^(\s*)- /, '$1  '));
  for (let j = i - 1; j >= 0; j--) {
    const line = lines[j]!;
    if (line.trim() === '' || indentOf(line) >= indent) continue;
    return KEY_LINE.exec(`${line} x`)?.[2] ?? /^\s*(?:- )?([\w$.-]+):\s*$/.exec(line)?.[1];
  }
  return undefined;
}
/** Prefers candidates that keep the document valid (so later stages run), but not always. */
function preferring<T>(rng: Rng, all: readonly T[], good: (item: T) => boolean): T | undefined {
  const preferred = all.filter(good);
  if (all.length === 0) return undefined;
  return preferred.length > 0 && rng.int(5) > 0 ? rng.pick(preferred) : rng.pick(all);
}
const FREE_TEXT = new Set(['description', 'summary', 'title', 'name', 'hint', 'message', 'reason']);

const MUTATORS: Record<string, Mutator> = {
  flipBit: (rng, file, _lines, estate) => {
    const bytes = Buffer.from(estate.get(file)!);
    if (bytes.length === 0) return undefined;
    const at = rng.int(bytes.length);
    const bit = rng.int(8);
    bytes[at]! ^= 1 << bit;
    return { lines: undefined, extra: [file, bytes], step: `flip bit ${bit} of byte ${at} in ${file}` };
  },
  deleteLines: (rng, file, lines) => {
    const at = rng.int(lines.length);
    const count = rng.pick([1, 1, 1, 2, 2, 3]);
    return { lines: [...lines.slice(0, at), ...lines.slice(at + count)], step: `delete lines ${at + 1}-${at + count} of ${file}` };
  },
  duplicateLine: (rng, file, lines) => {
    const at = rng.int(lines.length);
    return { lines: [...lines.slice(0, at + 1), lines[at]!, ...lines.slice(at + 1)], step: `repeat line ${at + 1} of ${file}` };
  },
  swapScalar: (rng, file, lines) => {
    const candidates = scalarLines(lines);
    if (candidates.length === 0) return undefined;
    const [i, m] = rng.pick(candidates);
    const value = rng.pick(SCALARS);
    return { lines: replaceLine(lines, i, `${m![1]}${m![2]}${m![3]}${value}`), step: `${file}:${i + 1} ${m![2]}: ${value}` };
  },
  hugeString: (rng, file, lines) => {
    const chosen = preferring(rng, scalarLines(lines), ([, m]) => FREE_TEXT.has(m![2]!));
    if (!chosen) return undefined;
    const [i, m] = chosen;
    const size = rng.pick([10_000, 100_000, 1_000_000]);
    const text = rng.pick(['x', 'ab ', '\\u00e9', '{', ': ']).repeat(Math.ceil(size / 3));
    return {
      lines: replaceLine(lines, i, `${m![1]}${m![2]}${m![3]}"${text.replaceAll('"', '\\"')}"`),
      step: `${file}:${i + 1} ${m![2]}: a ${size}-character string`,
    };
  },
  alias: (rng, file, lines) => {
    const candidates = keyLines(lines);
    if (candidates.length < 2) return undefined;
    const variant = rng.int(4);
    const [i, m] = rng.pick(candidates);
    const value = m![4]!;
    if (variant === 0 && value.trim() === '') {
      // A block mapping that contains an alias of itself.
      const inner = ' '.repeat(indentOf(lines[i + 1] ?? '') || indentOf(lines[i]!) + 2);
      const out = replaceLine(lines, i, `${lines[i]!.trimEnd()} &fz`);
      out.splice(i + 1, 0, `${inner}fzLoop: *fz`);
      return { lines: out, step: `${file}:${i + 1} ${m![2]} contains an alias of itself` };
    }
    if (variant === 1)
      return { lines: replaceLine(lines, i, `${m![1]}${m![2]}${m![3]}&fz {x: *fz}`), step: `${file}:${i + 1} ${m![2]}: &fz {x: *fz}` };
    // An anchor on one value and its alias on another (a shared value, or an alias before its anchor).
    const [j, n] = preferring(rng, candidates, ([j, n]) => j > i && n![2] === m![2])!;
    if (value.trim() === '' || value.includes('&') || n![4]!.trim() === '') return undefined;
    const out = replaceLine(lines, i, `${m![1]}${m![2]}${m![3]}&fz ${value}`);
    const merge = variant === 3 && n![4]!.startsWith('{');
    out[j] = merge ? `${n![1]}${n![2]}${n![3]}{<<: *fz, ${n![4]!.slice(1)}` : `${n![1]}${n![2]}${n![3]}*fz`;
    return { lines: out, step: `${file}: anchor line ${i + 1}, ${merge ? 'merge' : 'alias'} at line ${j + 1}` };
  },
  unicode: (rng, file, lines) => {
    const chosen = preferring(rng, keyLines(lines), ([, m]) => FREE_TEXT.has(m![2]!) && m![4]!.trim() !== '');
    if (!chosen) return undefined;
    const [i, m] = chosen;
    const text = rng.pick(UNICODE);
    const inKey = rng.int(4) === 0;
    const line = inKey ? `${m![1]}${m![2]}${text}${m![3]}${m![4]}` : `${m![1]}${m![2]}${m![3]}${m![4]}${text}`;
    return {
      lines: replaceLine(lines, i, line),
      step: `${file}:${i + 1} U+${text.codePointAt(0)!.toString(16)} in the ${inKey ? 'key' : 'value'}`,
    };
  },
  inheritedName: (rng, file, lines) => {
    const candidates = keyLines(lines).filter(([, m]) => !['apiVersion', 'kind', 'metadata', 'spec', 'name'].includes(m![2]!));
    // A schema's field names and a lookup table's keys are free; other keys are checked by the kind's schema.
    const chosen = preferring(rng, candidates, ([i]) => ['properties', 'lookups', 'labels'].includes(parentKey(lines, i) ?? ''));
    if (!chosen) return undefined;
    const [i, m] = chosen;
    const name = rng.pick(INHERITED_NAMES);
    return { lines: replaceLine(lines, i, `${m![1]}${name}${m![3]}${m![4]}`), step: `${file}:${i + 1} key ${m![2]} renamed ${name}` };
  },
  duplicateIdentity: (rng, file, lines) => {
    const copy = file.replace(/([^/]+)$/, 'zz-fuzz-copy-$1');
    const bump = lines.map((line) =>
      line.replace(/^(\s+version:\s*)(\d+)\.(\d+)\.(\d+)\s*$/, (_, pre, a, b, c) => `${pre}${a}.${Number(b) + rng.int(2)}.${c}`),
    );
    return { extra: [copy, Buffer.from(bump.join('\n'))], step: `${file} copied to ${copy} (same identity)` };
  },
  swapReference: (rng, file, lines, estate) => {
    const candidates = keyLines(lines).filter(([, m]) => REFERENCE_KEYS.has(m![2]!) && m![4]!.trim() !== '');
    if (candidates.length === 0) return undefined;
    const [i, m] = rng.pick(candidates);
    const own = lines
      .find((line) => /^\s{2}name:\s/.test(line))
      ?.split(':')[1]
      ?.trim();
    const major = lines.find((line) => /^\s+version:\s/.test(line))?.match(/(\d+)\.\d+\.\d+/)?.[1];
    const pool = [...referenceValues(estate, m![2]!)];
    if (own) pool.push(own, `${own}@${major ?? 1}`);
    const value = rng.pick(pool);
    return { lines: replaceLine(lines, i, `${m![1]}${m![2]}${m![3]}${value}`), step: `${file}:${i + 1} ${m![2]}: ${value}` };
  },
  crossover: (rng, file, lines, estate) => {
    const candidates = scalarLines(lines);
    if (candidates.length === 0) return undefined;
    const [i, m] = rng.pick(candidates);
    const other = rng.pick([...estate.keys()].filter(isSpec));
    const donors = scalarLines(estate.get(other)!.toString('utf8').split('\n'));
    const chosen = preferring(rng, donors, ([, d]) => d![2] === m![2]);
    if (!chosen) return undefined;
    const [, d] = chosen;
    return {
      lines: replaceLine(lines, i, `${m![1]}${m![2]}${m![3]}${d![4]}`),
      step: `${file}:${i + 1} ${m![2]}: ${d![4]!.slice(0, 60)} (from ${other})`,
    };
  },
};

const WEIGHTS: [string, number][] = [
  ['flipBit', 1],
  ['deleteLines', 2],
  ['duplicateLine', 2],
  ['swapScalar', 3],
  ['hugeString', 1],
  ['alias', 3],
  ['unicode', 2],
  ['inheritedName', 2],
  ['duplicateIdentity', 1],
  ['swapReference', 3],
  ['crossover', 3],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);

const isSpec = (path: string) => path.endsWith('.yaml') && !path.startsWith('fixtures/');
const referenceCache = new WeakMap<Estate, Map<string, Set<string>>>();

function referenceValues(estate: Estate, key: string): Set<string> {
  let byKey = referenceCache.get(estate);
  if (!byKey) {
    byKey = new Map();
    for (const [path, bytes] of estate) {
      if (!isSpec(path)) continue;
      for (const [, m] of keyLines(bytes.toString('utf8').split('\n'))) {
        if (!REFERENCE_KEYS.has(m![2]!) || m![4]!.trim() === '') continue;
        const set = byKey.get(m![2]!) ?? new Set();
        set.add(m![4]!.trim());
        byKey.set(m![2]!, set);
      }
    }
    referenceCache.set(estate, byKey);
  }
  return byKey.get(key) ?? new Set(['missing@1']);
}

function pickMutator(rng: Rng): string {
  let roll = rng.next() * TOTAL_WEIGHT;
  for (const [name, weight] of WEIGHTS) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return WEIGHTS[0]![0];
}

/** Draws one case: 1–3 mutations, mostly in one spec file, sometimes in a mapping fixture. */
export function mutateEstate(estate: Estate, seed: number): Mutation {
  const rng = new Rng(seed);
  const files = new Map<string, Buffer>();
  const steps: string[] = [];
  const specs = [...estate.keys()].filter(isSpec).sort();
  const fixtures = [...estate.keys()].filter((p) => p.startsWith('fixtures/') && /\.(json|edi)$/.test(p)).sort();
  const count = rng.pick([1, 1, 1, 2, 2, 3]);
  let file = rng.int(10) === 0 && fixtures.length > 0 ? rng.pick(fixtures) : rng.pick(specs);
  for (let n = 0, tries = 0; n < count && tries < 20; tries++) {
    if (n > 0 && rng.int(4) === 0) file = rng.pick(specs);
    const name = pickMutator(rng);
    const current = files.get(file) ?? estate.get(file)!;
    const result = MUTATORS[name]!(rng, file, current.toString('utf8').split('\n'), estate);
    if (!result) continue;
    if (result.lines) files.set(file, Buffer.from(result.lines.join('\n')));
    if (result.extra) files.set(result.extra[0], result.extra[1]);
    steps.push(`${name}: ${result.step}`);
    n++;
  }
  return { files, steps };
}

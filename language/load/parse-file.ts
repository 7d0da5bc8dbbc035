import { CST, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, Node, YAMLError } from 'yaml';
import type { Diagnostic, Range } from '../diagnostics/diagnostic.ts';
import { FILE_START } from '../diagnostics/diagnostic.ts';
import type { SourceFile } from '../source/source-file.ts';
import type { LoadedDocument } from './loaded-document.ts';

/** Deeper nesting than this is rejected before any recursive code (ajv, toJS) sees it. */
export const MAX_DEPTH = 100;
/** Alias expansions allowed per document; stops "billion laughs" documents. */
export const MAX_ALIAS_COUNT = 100;
/** Keys that could reach Object.prototype in some consumer; rejected everywhere in a spec. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/**
 * Keys, values and list items allowed per file. yaml's syntax tree takes about 1 KB per node, so a
 * 2 MB file of `[x,x,x,...]` (well under the file size limit) would need over 1 GB; this bounds it.
 */
export const MAX_TOKENS = 200_000;
/** Lexer tokens that carry no node: layout, comments and document markers. */
const LAYOUT_TOKENS = new Set([
  'byte-order-mark',
  'doc-mode',
  'space',
  'newline',
  'comment',
  'directive-line',
  'directive',
  'doc-start',
  'doc-end',
]);

/** How spec YAML is parsed; a re-parse for positions must use exactly the same options. */
const PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: false, keepSourceTokens: false, logLevel: 'error' } as const;

/**
 * Syntax trees are several times larger than the data they hold, and only a document with a finding
 * needs one (for its position). So documents keep their plain value, and the tree is rebuilt from the
 * file's text the first time a position is asked for — once per file, shared by its documents.
 */
function reparser(text: string): () => { docs: Document.Parsed[]; lineCounter: LineCounter } {
  let cached: { docs: Document.Parsed[]; lineCounter: LineCounter } | undefined;
  return () => {
    if (!cached) {
      const lineCounter = new LineCounter();
      const again = parseAllDocuments(text, { lineCounter, ...PARSE_OPTIONS });
      cached = { docs: (Array.isArray(again) ? again : []) as Document.Parsed[], lineCounter };
    }
    return cached;
  };
}

function lazyDocument(
  file: SourceFile,
  index: number,
  value: Record<string, unknown>,
  reparse: ReturnType<typeof reparser>,
): LoadedDocument {
  return {
    file: file.path,
    index,
    value,
    get yaml() {
      return reparse().docs[index]!;
    },
    get lineCounter() {
      return reparse().lineCounter;
    },
  };
}

export interface ParseResult {
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
}

/**
 * Parses one spec file into documents. Pure. A document with a problem is reported and left out;
 * the file's other documents are still returned.
 */
export function parseSpecFile(file: SourceFile): ParseResult {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const documents: LoadedDocument[] = [];
  // logLevel 'error': yaml would otherwise print its own warnings (a collection used as a key) to the
  // process's stderr, outside the diagnostic stream; the schema check reports such keys anyway.
  if (exceedsTokenBudget(file.text)) {
    diagnostics.push({
      code: 'file-too-large',
      severity: 'error',
      file: file.path,
      range: FILE_START,
      path: [],
      message: `file holds more than ${MAX_TOKENS.toLocaleString('en-US')} YAML keys, values and list items; it was not parsed`,
      hint: 'Split it into smaller files (one document per file is the convention); no spec needs this many values.',
    });
    return { documents, diagnostics };
  }
  // uniqueKeys is off because yaml compares each key with every earlier one (66,000 keys take 20 s);
  // checkStructure finds duplicates with one set per mapping instead.
  const parsed = parseAllDocuments(file.text, { lineCounter, ...PARSE_OPTIONS });
  const reparse = reparser(file.text);
  const docs = Array.isArray(parsed) ? parsed : [];
  const rangeOf = (start: number, end: number): Range => ({
    start: toPosition(lineCounter, start),
    end: toPosition(lineCounter, Math.max(start, end)),
  });

  if (docs.length === 0 || docs.every((doc) => isEmptyContents(doc.contents as Node | null) && doc.errors.length === 0)) {
    diagnostics.push({
      code: 'empty-file',
      severity: 'error',
      file: file.path,
      range: FILE_START,
      path: [],
      message: 'file holds no YAML documents',
      hint: 'Add a spec document (apiVersion, kind, metadata, spec) or delete the file.',
    });
    return { documents, diagnostics };
  }

  docs.forEach((doc, index) => {
    const tooDeep = (node: Node): Diagnostic => {
      const [start, end] = node.range ?? [0, 0];
      return {
        code: 'yaml-too-deep',
        severity: 'error',
        file: file.path,
        range: rangeOf(start, end),
        path: [],
        message: `nesting is deeper than ${MAX_DEPTH} levels`,
        hint: 'Flatten the structure; no spec kind needs this depth.',
      };
    };
    const errors = firstOfEachCode(doc.errors);
    for (const error of errors) {
      // yaml reports where its stack ran out, which varies with the caller's stack; the tree it built up
      // to there holds the first node past the limit, a position that is the same on every run.
      const deep = error.code === 'RESOURCE_EXHAUSTION' && doc.contents ? checkStructure(doc.contents as Node, doc) : undefined;
      diagnostics.push(deep?.kind === 'depth' ? tooDeep(deep.node) : yamlErrorDiagnostic(file.path, error, rangeOf));
    }
    for (const warning of firstOfEachCode(doc.warnings)) {
      diagnostics.push({ ...yamlErrorDiagnostic(file.path, warning, rangeOf), code: 'yaml-warning', severity: 'warning' });
    }
    if (errors.length > 0) return;

    const contents = doc.contents as Node | null;
    if (contents === null || isEmptyContents(contents)) {
      if (docs.length > 1) {
        const at = doc.range[0];
        diagnostics.push({
          code: 'empty-document',
          severity: 'error',
          file: file.path,
          range: rangeOf(at, at),
          path: [],
          message: `document ${index + 1} of the file is empty`,
          hint: 'Remove the extra `---` separator.',
        });
      }
      return;
    }
    if (!isMap(contents)) {
      const [start, end] = contents.range ?? [0, 0];
      const what = isSeq(contents)
        ? 'a list'
        : isScalar(contents)
          ? `a ${contents.value === null ? 'null' : typeof contents.value}`
          : 'not a mapping';
      diagnostics.push({
        code: 'document-not-mapping',
        severity: 'error',
        file: file.path,
        range: rangeOf(start, end),
        path: [],
        message: `document is ${what}; a spec document is a mapping with apiVersion, kind, metadata and spec`,
        hint: 'Start the document with `apiVersion: interlace.dev/v1alpha1` and `kind: ...`.',
      });
      return;
    }
    const structural = checkStructure(contents, doc);
    if (structural) {
      const [start, end] = structural.node.range ?? [0, 0];
      if (structural.kind === 'depth') {
        diagnostics.push(tooDeep(structural.node));
      } else if (structural.kind === 'alias-cycle') {
        diagnostics.push({
          code: 'yaml-alias-cycle',
          severity: 'error',
          file: file.path,
          range: rangeOf(start, end),
          path: structural.path,
          message: `alias *${structural.anchor} refers to a node that contains it, so the value would be infinite`,
          hint: `Write the value out, or point the alias at an anchor outside the node marked &${structural.anchor}.`,
        });
      } else if (structural.kind === 'duplicate-key') {
        diagnostics.push({
          code: 'yaml-duplicate-key',
          severity: 'error',
          file: file.path,
          range: rangeOf(start, end),
          path: structural.path,
          message: `duplicate key "${structural.key}" in a mapping`,
          hint: 'Remove one of the two entries; YAML forbids repeated keys and tools disagree on which one wins.',
        });
      } else {
        diagnostics.push({
          code: 'unsafe-key',
          severity: 'error',
          file: file.path,
          range: rangeOf(start, end),
          path: structural.path,
          message: `key "${structural.key}" is not allowed anywhere in a spec`,
          hint: 'Rename the field: __proto__, constructor and prototype are reserved because they can alter objects in the programs that read specs.',
        });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message = (error as Error).message;
      const isAlias = /alias/i.test(message);
      const [start, end] = contents.range ?? [0, 0];
      diagnostics.push({
        code: isAlias ? 'yaml-alias-limit' : 'yaml-syntax',
        severity: 'error',
        file: file.path,
        range: rangeOf(start, end),
        path: [],
        message: isAlias ? `aliases expand to more than ${MAX_ALIAS_COUNT} nodes (a "billion laughs" document)` : message,
        hint: isAlias ? 'Write the values out, or use fewer aliases; specs rarely need anchors.' : 'Fix the YAML.',
      });
      return;
    }
    documents.push(lazyDocument(file, index, value as Record<string, unknown>, reparse));
  });
  return { documents, diagnostics };
}

/**
 * Counts tokens with yaml's streaming lexer, which keeps nothing, before the parser builds a tree.
 * Every counted token is at least one character, so shorter texts skip the pass.
 */
function exceedsTokenBudget(text: string): boolean {
  if (text.length <= MAX_TOKENS) return false;
  let count = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type !== null && !LAYOUT_TOKENS.has(type) && ++count > MAX_TOKENS) return true;
  }
  return false;
}

/**
 * yaml gives a document with nothing in it (`---` followed by `---`, or only comments) an empty null
 * scalar rather than no contents; an explicit `null` or `~` has source text and is not empty.
 */
function isEmptyContents(contents: Node | null): boolean {
  return contents === null || (isScalar(contents) && contents.value === null && (contents.source ?? '') === '');
}

function toPosition(lineCounter: LineCounter, offset: number) {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** yaml repeats one cause many times (a stack overflow at every level); one per code is enough. */
function firstOfEachCode(errors: readonly YAMLError[]): YAMLError[] {
  const seen = new Set<string>();
  return errors.filter((error) => (seen.has(error.code) ? false : (seen.add(error.code), true)));
}

function yamlErrorDiagnostic(file: string, error: YAMLError, rangeOf: (s: number, e: number) => Range): Diagnostic {
  const [start, end] = error.pos;
  const firstLine = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (error.code) {
    case 'DUPLICATE_KEY':
      return {
        code: 'yaml-duplicate-key',
        severity: 'error',
        file,
        range: rangeOf(start, end),
        path: [],
        message: 'duplicate key in a mapping',
        hint: 'Remove one of the two entries; YAML forbids repeated keys and tools disagree on which one wins.',
      };
    case 'TAB_AS_INDENT':
      return {
        code: 'yaml-tab-indent',
        severity: 'error',
        file,
        range: rangeOf(start, end),
        path: [],
        message: 'tab character used for indentation',
        hint: 'Indent with spaces (two per level); set your editor to insert spaces in YAML files.',
      };
    case 'RESOURCE_EXHAUSTION':
      return {
        code: 'yaml-too-deep',
        severity: 'error',
        file,
        range: rangeOf(start, end),
        path: [],
        message: 'nesting is too deep to parse',
        hint: `Flatten the structure; specs are limited to ${MAX_DEPTH} levels.`,
      };
    default:
      return {
        code: 'yaml-syntax',
        severity: 'error',
        file,
        range: rangeOf(start, end),
        path: [],
        message: firstLine,
        hint: hintForYamlError(error.code),
      };
  }
}

function hintForYamlError(code: string): string {
  switch (code) {
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'Check the indentation: items of one mapping or list must line up.';
    case 'MULTILINE_IMPLICIT_KEY':
      return 'A key must fit on one line; quote the value if it contains ": ".';
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'Put a space after the colon, or quote the text.';
    case 'UNEXPECTED_TOKEN':
      return 'Quote values that start with special characters such as @, `, %, or *.';
    default:
      return 'Fix the YAML syntax at this position.';
  }
}

type StructureProblem =
  | { kind: 'depth'; node: Node }
  | { kind: 'alias-cycle'; node: Node; anchor: string; path: (string | number)[] }
  | { kind: 'unsafe-key' | 'duplicate-key'; node: Node; key: string; path: (string | number)[] };

/** One iterative pass over the tree: too deep, a reserved key, or a repeated key. Iterative so depth cannot overflow the stack. */
function checkStructure(root: Node, doc: Document): StructureProblem | undefined {
  // Entries link to their parent instead of copying paths: the path is only built for a finding.
  interface Entry {
    node: Node;
    depth: number;
    parent?: Entry;
    segment?: string | number;
  }
  const pathOf = (entry: Entry | undefined, last: string | number): (string | number)[] => {
    const path: (string | number)[] = [last];
    for (let e = entry; e && e.segment !== undefined; e = e.parent) path.unshift(e.segment);
    return path;
  };
  const stack: Entry[] = [{ node: root, depth: 1 }];
  // An alias is followed once (its target is walked where it is defined too); following every use
  // would make a "billion laughs" document exponential here.
  const followed = new Set<Node>();
  // An alias to a node that contains it (`&l {x: *l}`) is data without end: toJS would build a
  // circular object, and every recursive reader after it would overflow its stack.
  let cycle: StructureProblem | undefined;
  const expand = (child: Node | null, parent: Entry, segment: string | number): Node | null => {
    if (!child || !isAlias(child)) return child;
    const target = child.resolve(doc) as Node | undefined;
    if (!target) return null;
    for (let e: Entry | undefined = parent; e; e = e.parent) {
      if (e.node === target) {
        cycle ??= { kind: 'alias-cycle', node: child, anchor: child.source, path: pathOf(parent, segment) };
        return null;
      }
    }
    if (followed.has(target)) return null;
    followed.add(target);
    return target;
  };
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { node, depth } = entry;
    if (depth > MAX_DEPTH) return { kind: 'depth', node };
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        // An alias used as a key (`*k : ...` with `&k __proto__`) becomes that key in the data: check its target.
        const keyNode = isAlias(key) ? (key.resolve(doc) as Node | undefined) : key;
        const keyText = isScalar(keyNode) ? String(keyNode.value) : undefined;
        if (keyText !== undefined && UNSAFE_KEYS.has(keyText))
          return { kind: 'unsafe-key', node: key!, key: keyText, path: pathOf(entry, keyText) };
        // Compared as the text they become in the data, so `1:` and `"1":` are one key too.
        if (keyText !== undefined && seen.has(keyText))
          return { kind: 'duplicate-key', node: key!, key: keyText, path: pathOf(entry, keyText) };
        if (keyText !== undefined) seen.add(keyText);
        const value = expand(pair.value as Node | null, entry, keyText ?? '?');
        if (cycle) return cycle;
        if (value && (isMap(value) || isSeq(value))) stack.push({ node: value, depth: depth + 1, parent: entry, segment: keyText ?? '?' });
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const child = expand(node.items[i] as Node | null, entry, i);
        if (cycle) return cycle;
        if (child && (isMap(child) || isSeq(child))) stack.push({ node: child, depth: depth + 1, parent: entry, segment: i });
      }
    }
  }
  return undefined;
}

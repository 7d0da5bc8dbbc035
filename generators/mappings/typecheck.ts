import { Project, ts } from 'ts-morph';
import { supportPackageDeclarations } from '../bundles/packages.ts';

/** Compiler options generated code is checked with: the project's own strictness. */
export const GENERATED_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts'],
  types: [],
  strict: true,
  // CEL indexing out of range is a run-time error, not a type error: `xs[0].y` is typed like CEL types it.
  noUncheckedIndexedAccess: false,
  // Generated code imports `./x.js` as a user's nodenext project needs; a `.ts` specifier is TS5097 here too.
  verbatimModuleSyntax: true,
  noEmit: true,
  skipLibCheck: true,
  exactOptionalPropertyTypes: false,
};

/** A type error in one generated file, by offset. */
export interface TypeError {
  file: string;
  start: number;
  length: number;
  code: number;
  /** The checker's message, flattened to one line per level. */
  message: string;
}

/**
 * Type-checks generated modules in memory (no disk, no tsconfig lookup). Keeps its program between
 * calls, so after one mapping changes only that file is checked again: the incremental rebuild.
 */
export class GeneratedProgram {
  private readonly project = new Project({ useInMemoryFileSystem: true, compilerOptions: GENERATED_COMPILER_OPTIONS });
  private readonly texts = new Map<string, string>();

  constructor() {
    // The packages support modules import, as declarations only, where module resolution looks for them.
    const fs = this.project.getFileSystem();
    for (const [name, text] of supportPackageDeclarations()) {
      fs.writeFileSync(`/node_modules/${name}/package.json`, JSON.stringify({ name, types: 'index.d.ts' }));
      fs.writeFileSync(`/node_modules/${name}/index.d.ts`, text);
    }
  }

  /** Adds or replaces files; returns the paths whose text changed. */
  update(files: ReadonlyMap<string, string>): string[] {
    const changed: string[] = [];
    for (const [path, text] of files) {
      if (this.texts.get(path) === text) continue;
      this.texts.set(path, text);
      this.project.createSourceFile(`/gen/${path}`, text, { overwrite: true });
      changed.push(path);
    }
    for (const path of [...this.texts.keys()]) {
      if (!files.has(path)) {
        this.texts.delete(path);
        const sf = this.project.getSourceFile(`/gen/${path}`);
        if (sf) this.project.removeSourceFile(sf);
      }
    }
    return changed;
  }

  /** Type errors of the given files (syntactic and semantic). */
  check(paths: readonly string[]): TypeError[] {
    const program = this.project.getProgram().compilerObject;
    const out: TypeError[] = [];
    for (const path of paths) {
      const sf = program.getSourceFile(`/gen/${path}`);
      if (!sf) continue;
      for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
        out.push({ file: path, start: d.start ?? 0, length: d.length ?? 0, code: d.code, message: flatten(d.messageText) });
      }
    }
    return out;
  }
}

function flatten(message: string | ts.DiagnosticMessageChain): string {
  if (typeof message === 'string') return message;
  const lines: string[] = [];
  const visit = (chain: ts.DiagnosticMessageChain, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${chain.messageText}`);
    for (const next of chain.next ?? []) visit(next, depth + 1);
  };
  visit(message, 0);
  return lines.join('\n');
}

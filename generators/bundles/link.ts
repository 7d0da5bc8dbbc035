import { posix } from 'node:path';
import { ts } from 'ts-morph';
import { supportPackages } from './packages.ts';

/**
 * A small linker for generated code: turns a set of TypeScript ES modules (the generated modules and
 * the runtime support they import) into one self-contained ES module, without a bundler dependency.
 *
 * Relative specifiers may end in `.js` or `.ts`; both name the `.ts` module (see resolve).
 *
 * Each module is transpiled on its own (types erased), then wrapped in a function scope; its imports
 * become reads of the modules it depends on, initialized first (dependency order), and its exports
 * become the object the scope returns. Module-level names therefore never collide. Only the forms
 * generated code and generators/support use are accepted — named and namespace imports, `export`
 * on declarations, `export { … }` lists and `export { … } from` — anything else is a generator bug
 * and throws.
 */
export interface LinkInput {
  /** Module path (relative, posix, e.g. `mappings/order.ts`) → TypeScript source. */
  modules: ReadonlyMap<string, string>;
  /**
   * Packages support modules import by bare name (`re2js`), as the text of their ES module build. They
   * are linked in like any module, so the bundle stays self-contained. Default: `supportPackages()`.
   */
  packages?: ReadonlyMap<string, string>;
  /** Modules whose exports the bundle exports, in order; a name exported twice keeps the first. */
  entries: readonly string[];
  /** First lines of the bundle (banner, manifest comment). */
  header?: string;
}

interface Linked {
  id: string;
  body: string;
  exports: string[];
}

export function link(input: LinkInput): string {
  const packages = input.packages ?? supportPackages();
  const modules = new Map([...input.modules, ...packages]);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const imports = new Map<string, string[]>();
  const ids = new Map<string, string>();
  const linked = new Map<string, Linked>();

  const visit = (path: string) => {
    if (state.get(path) === 'done') return;
    if (state.get(path) === 'visiting') throw new Error(`import cycle through ${path}`);
    const source = modules.get(path);
    if (source === undefined) throw new Error(`module not found: ${path}`);
    state.set(path, 'visiting');
    const deps = dependencies(path, source, packages, modules);
    imports.set(path, deps);
    for (const dep of deps) visit(dep);
    state.set(path, 'done');
    ids.set(path, `__m${order.length}`);
    order.push(path);
  };
  for (const entry of input.entries) visit(entry);

  for (const path of order) linked.set(path, wrap(path, modules.get(path)!, ids, packages, modules));
  const out: string[] = [];
  if (input.header) out.push(input.header.trimEnd());
  for (const path of order) {
    const module = linked.get(path)!;
    out.push(`// ${path}\nconst ${module.id} = (() => {\n${module.body.trim()}\nreturn { ${module.exports.join(', ')} };\n})();`);
  }
  const exported = new Set<string>();
  const finals: string[] = [];
  for (const entry of input.entries) {
    const module = linked.get(entry)!;
    const names = module.exports.map((e) => e.split(':')[0]!.trim()).filter((n) => !exported.has(n));
    names.forEach((n) => {
      exported.add(n);
    });
    if (names.length > 0) finals.push(`export const { ${names.join(', ')} } = ${module.id};`);
  }
  out.push(...finals);
  return `${out.join('\n\n')}\n`;
}

/**
 * The module a specifier names. Generated code imports `./x.js` (what TypeScript's nodenext and bundler
 * resolution map to `./x.ts`, so it compiles in a user's project); the repository's own sources import
 * `./x.ts`. Both resolve to the `.ts` module when no `.js` module of that name is given.
 */
function resolve(from: string, specifier: string, packages: ReadonlyMap<string, string>, modules: ReadonlyMap<string, string>): string {
  if (packages.has(specifier)) return specifier;
  if (!specifier.startsWith('.'))
    throw new Error(`${from}: only relative imports and given packages can be linked, not ${JSON.stringify(specifier)}`);
  const path = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (path.endsWith('.js') && !modules.has(path)) {
    const source = `${path.slice(0, -'.js'.length)}.ts`;
    if (modules.has(source)) return source;
  }
  return path;
}

function transpile(path: string, source: string): ts.SourceFile {
  const js = ts.transpileModule(source, {
    fileName: path,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: false,
      isolatedModules: true,
      removeComments: false,
    },
  }).outputText;
  return ts.createSourceFile(path.replace(/\.ts$/, '.js'), js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
}

const transpiled = new Map<string, { source: string; file: ts.SourceFile }>();

function parsed(path: string, source: string): ts.SourceFile {
  const cached = transpiled.get(path);
  if (cached && cached.source === source) return cached.file;
  const file = transpile(path, source);
  transpiled.set(path, { source, file });
  return file;
}

function dependencies(path: string, source: string, packages: ReadonlyMap<string, string>, modules: ReadonlyMap<string, string>): string[] {
  const deps: string[] = [];
  for (const statement of parsed(path, source).statements) {
    if (
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      deps.push(resolve(path, statement.moduleSpecifier.text, packages, modules));
    }
  }
  return deps;
}

function wrap(
  path: string,
  source: string,
  ids: ReadonlyMap<string, string>,
  packages: ReadonlyMap<string, string>,
  modules: ReadonlyMap<string, string>,
): Linked {
  const file = parsed(path, source);
  const text = file.text;
  const edits: { start: number; end: number; text: string }[] = [];
  const exports: string[] = [];
  const idOf = (specifier: ts.Expression) => ids.get(resolve(path, (specifier as ts.StringLiteral).text, packages, modules))!;

  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const id = idOf(statement.moduleSpecifier);
      let replacement = '';
      if (clause?.name) throw new Error(`${path}: default imports are not supported by the linker`);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) replacement = `const ${bindings.name.text} = ${id};`;
      else if (bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0) {
        replacement = `const { ${bindings.elements.map((e) => (e.propertyName ? `${e.propertyName.text}: ${e.name.text}` : e.name.text)).join(', ')} } = ${id};`;
      }
      edits.push({ start: statement.getStart(), end: statement.getEnd(), text: replacement });
    } else if (ts.isExportDeclaration(statement)) {
      const clause = statement.exportClause;
      if (!clause || !ts.isNamedExports(clause)) throw new Error(`${path}: \`export *\` is not supported by the linker`);
      for (const element of clause.elements) {
        const local = (element.propertyName ?? element.name).text;
        const exported = element.name.text;
        if (statement.moduleSpecifier) exports.push(`${exported}: ${idOf(statement.moduleSpecifier)}.${local}`);
        else exports.push(local === exported ? exported : `${exported}: ${local}`);
      }
      edits.push({ start: statement.getStart(), end: statement.getEnd(), text: '' });
    } else if (ts.isExportAssignment(statement)) {
      throw new Error(`${path}: \`export default\` is not supported by the linker`);
    } else {
      const modifiers = ts.canHaveModifiers(statement) ? (ts.getModifiers(statement) ?? []) : [];
      const exportKeyword = modifiers.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (!exportKeyword) continue;
      if (modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword))
        throw new Error(`${path}: \`export default\` is not supported by the linker`);
      edits.push({ start: exportKeyword.getStart(), end: exportKeyword.getEnd(), text: '' });
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          if (!ts.isIdentifier(declaration.name)) throw new Error(`${path}: destructured exports are not supported by the linker`);
          exports.push(declaration.name.text);
        }
      } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
        exports.push(statement.name.text);
      } else {
        throw new Error(`${path}: unsupported export form`);
      }
    }
  }
  let body = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) body = body.slice(0, edit.start) + edit.text + body.slice(edit.end);
  return { id: ids.get(path)!, body: body.replace(/^"use strict";\s*/m, ''), exports };
}

import { compile } from 'json-schema-to-typescript';
import { ts } from 'ts-morph';
import { BANNER } from '../shared/banner.ts';
import { contractTypeName, pascalCase } from '../shared/naming.ts';
import { hideInheritedNames } from './inherited-names.ts';
/** A contract's JSON Schema as plain data: copied and annotated here before json-schema-to-typescript reads it. */
type Schema = Record<string, unknown>;

/** A contract major, as the type and validator generators read it. */
export interface ContractSource {
  name: string;
  major: number;
  version: string;
  description?: string;
  schema: Schema;
}

/**
 * The TypeScript declarations of one contract major (json-schema-to-typescript), named from the
 * contract (`OrderV2`), with the schema's descriptions as JSDoc. Nested `title`s are dropped and
 * `$defs` are named after the contract (`OrderV2Address`), so contracts never collide in the
 * shared module. Objects without `additionalProperties` are typed closed: the declared fields are
 * the typed surface, and reading an undeclared field is a type error in a mapping.
 */
export async function contractDeclarations(contract: ContractSource): Promise<string> {
  const typeName = contractTypeName(contract.name, contract.major);
  // Field names such as `hasOwnProperty` would make json-schema-to-typescript throw: compile with placeholders.
  const { value: schema, restore } = hideInheritedNames(prepare(contract, typeName));
  const text = await compile(schema as never, typeName, {
    bannerComment: '',
    format: false,
    additionalProperties: false,
    ignoreMinAndMaxItems: true,
    strictIndexSignatures: true,
    unknownAny: true,
    enableConstEnums: false,
    declareExternallyReferenced: true,
    unreachableDefinitions: false,
    $refOptions: { resolve: { external: false, file: false, http: false } } as never,
  });
  return optionalMayBeUndefined(restore(text).trim());
}

/**
 * `field?: T` → `field?: T | undefined`. A generated mapping writes every optional target field, with
 * `undefined` when its source is absent (absent once serialized); with `exactOptionalPropertyTypes`,
 * the default of `tsc --init`, `field?: T` would refuse that in the user's project.
 */
function optionalMayBeUndefined(text: string): string {
  const file = ts.createSourceFile('types.ts', text, ts.ScriptTarget.ES2022, true);
  const edits: { at: number; text: string }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isPropertySignature(node) && node.questionToken && node.type && !mayBeUndefined(node.type)) {
      const needsParens = ts.isFunctionTypeNode(node.type) || ts.isConstructorTypeNode(node.type) || ts.isConditionalTypeNode(node.type);
      if (needsParens) edits.push({ at: node.type.getStart(file), text: '(' });
      edits.push({ at: node.type.getEnd(), text: needsParens ? ') | undefined' : ' | undefined' });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = text;
  for (const edit of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, edit.at) + edit.text + out.slice(edit.at);
  return out;
}

function mayBeUndefined(type: ts.TypeNode): boolean {
  if (type.kind === ts.SyntaxKind.UndefinedKeyword || type.kind === ts.SyntaxKind.UnknownKeyword || type.kind === ts.SyntaxKind.AnyKeyword)
    return true;
  return ts.isUnionTypeNode(type) && type.types.some(mayBeUndefined);
}

function prepare(contract: ContractSource, typeName: string): Schema {
  const copy = stripTitles(structuredClone(contract.schema)) as Schema;
  delete copy.$id;
  delete copy.$schema;
  copy.title = typeName;
  const about = `Contract \`${contract.name}@${contract.major}\` (version ${contract.version}).`;
  const description = copy.description ?? contract.description;
  copy.description = description ? `${description}\n\n${about}` : about;
  for (const defs of ['$defs', 'definitions']) {
    const table = copy[defs];
    if (table && typeof table === 'object') {
      for (const [key, def] of Object.entries(table as Record<string, Schema>)) {
        const safe = key
          .replace(/[^A-Za-z0-9-]/g, '-')
          .toLowerCase()
          .replace(/^-+|-+$/g, '')
          .replace(/-+/g, '-');
        if (def && typeof def === 'object') def.title = `${typeName}${safe ? pascalCase(safe).replace(/^_/, '') : 'Def'}`;
      }
    }
  }
  return copy;
}

/**
 * json-schema-to-typescript pastes these into the declarations verbatim. `validate` refuses them
 * (`contract-schema-keyword-refused`); they are dropped here too, so spec text never becomes code.
 */
const CODE_KEYWORDS = new Set(['tsType', 'tsEnumNames']);

/**
 * Removes `title` from every nested schema (it would become a shared, colliding type name) and the
 * code keywords (`tsType`, `tsEnumNames`).
 */
function stripTitles(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripTitles);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'title' && typeof value === 'string') continue;
    if (CODE_KEYWORDS.has(key)) continue;
    // `properties` and `$defs` hold names, not schemas: keep a property called "title".
    if (
      (key === 'properties' || key === '$defs' || key === 'definitions' || key === 'patternProperties') &&
      value &&
      typeof value === 'object' &&
      !Array.isArray(value)
    ) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripTitles(v)]));
    } else if (key === 'examples' || key === 'const' || key === 'enum' || key === 'default') {
      out[key] = value;
    } else {
      out[key] = stripTitles(value);
    }
  }
  return out;
}

/** The shared types module: every contract major, sorted by type name. */
export function typesModule(declarations: ReadonlyMap<string, string>): string {
  const names = [...declarations.keys()].sort();
  return `${BANNER}\n\n${names.map((n) => declarations.get(n)!).join('\n\n')}\n`;
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { anyKindSchema, KIND_NAMES, kindSchema, schemaFileName } from '../../language/kinds/registry.ts';
import { EXIT_CLEAN, UsageError } from '../exit-codes.ts';
import type { CommandContext } from '../command.ts';

export const SCHEMA_HELP = `Usage: interlace schema [--out <dir>] [--kind <Kind>]

Publishes the JSON Schemas (2020-12) of the spec kinds, for editors and other tools.
  --out <dir>    write one file per kind plus interlace.schema.json (any kind) into <dir>
  --kind <Kind>  print one kind's schema to stdout (DataContract, System, Mapping, EventRoute, Api, Policy)
Without options, prints the schema for any kind to stdout.`;

export function runSchema(argv: string[], context: CommandContext): number {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, kind: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    context.stdout(SCHEMA_HELP + '\n');
    return EXIT_CLEAN;
  }
  if (values.kind !== undefined) {
    const kind = KIND_NAMES.find((k) => k.toLowerCase() === values.kind!.toLowerCase());
    if (!kind) throw new UsageError(`unknown kind "${values.kind}"; kinds: ${KIND_NAMES.join(', ')}`);
    context.stdout(JSON.stringify(kindSchema(kind), null, 2) + '\n');
    return EXIT_CLEAN;
  }
  if (values.out !== undefined) {
    const out = resolve(context.cwd, values.out);
    mkdirSync(out, { recursive: true });
    for (const kind of KIND_NAMES) writeFileSync(join(out, schemaFileName(kind)), JSON.stringify(kindSchema(kind), null, 2) + '\n');
    writeFileSync(join(out, 'interlace.schema.json'), JSON.stringify(anyKindSchema(), null, 2) + '\n');
    context.stderr(`wrote ${KIND_NAMES.length + 1} schemas to ${values.out}\n`);
    return EXIT_CLEAN;
  }
  context.stdout(JSON.stringify(bundledAnyKindSchema(), null, 2) + '\n');
  return EXIT_CLEAN;
}

/** The any-kind schema with every kind inlined, so one file on stdout stands alone. */
function bundledAnyKindSchema(): Record<string, unknown> {
  const schema = anyKindSchema();
  const defs: Record<string, unknown> = {};
  for (const kind of KIND_NAMES) {
    const { $schema: _s, $id: _i, ...rest } = kindSchema(kind);
    defs[kind] = rest;
  }
  // Each kind keeps its own $defs; refs inside a kind are rewritten to stay inside it.
  const rewrite = (node: unknown, kind: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => rewrite(n, kind));
    if (node && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node).map(([k, v]) => [
          k,
          k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/') ? `#/$defs/${kind}/$defs/${v.slice(8)}` : rewrite(v, kind),
        ]),
      );
    }
    return node;
  };
  for (const kind of KIND_NAMES) defs[kind] = rewrite(defs[kind], kind);
  const allOf = (schema.allOf as { if: unknown; then: { $ref: string } }[]).map((branch, i) => ({
    ...branch,
    then: { $ref: `#/$defs/${KIND_NAMES[i]}` },
  }));
  return { ...schema, allOf, $defs: defs };
}

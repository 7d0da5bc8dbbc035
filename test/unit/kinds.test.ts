import { readFileSync, readdirSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderKindTypes } from '../../language/kinds/kind-types.ts';
import { KIND_NAMES, kindSchema } from '../../language/kinds/registry.ts';
import { runCli } from '../helpers/cli.ts';
import { tempTree } from '../helpers/temp-tree.ts';
import { CODES } from '../../language/diagnostics/codes.ts';
import { renderDiagnosticsDoc, renderRulesDoc, renderSpecReference } from '../../scripts/render-docs.ts';

describe('spec kinds', () => {
  it('the committed TypeScript types match the schemas (run `npm run generate:kind-types` when this fails)', async () => {
    const committed = readFileSync(new URL('../../language/kinds/generated/kinds.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await renderKindTypes());
  });

  it('every field of every kind has a description', () => {
    const missing: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      const schema = node as Record<string, any>;
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, any>)) {
        if (!property.description && !property.$ref) missing.push(`${path}.${name}`);
        visit(property, `${path}.${name}`);
      }
      if (schema.items) visit(schema.items, `${path}[]`);
      for (const [name, def] of Object.entries((schema.$defs ?? {}) as Record<string, unknown>)) visit(def, `${path}#${name}`);
    };
    for (const kind of KIND_NAMES) visit(kindSchema(kind), kind);
    expect(missing).toEqual([]);
  });

  it('`interlace schema --out` writes self-contained schemas an editor can use on a spec file', async () => {
    const tree = tempTree({});
    try {
      const result = await runCli(['schema', '--out', 'schemas'], tree.root);
      expect(result.code).toBe(0);
      const files = readdirSync(`${tree.root}/schemas`).sort();
      expect(files).toEqual([...KIND_NAMES.map((k) => `${k.toLowerCase()}.schema.json`), 'interlace.schema.json'].sort());
      const ajv = new Ajv2020({ strict: false });
      for (const file of files) ajv.addSchema(JSON.parse(readFileSync(`${tree.root}/schemas/${file}`, 'utf8')));
      const any = ajv.getSchema('https://interlace.dev/schemas/v1alpha1/interlace.schema.json')!;
      const system = {
        apiVersion: 'interlace.dev/v1alpha1',
        kind: 'System',
        metadata: { name: 'wms' },
        spec: { type: 'wms', hosting: 'cloud', endpoint: { protocol: 'http', url: 'https://wms.example.com' } },
      };
      expect(any(system)).toBe(true);
      expect(any({ ...system, spec: { ...system.spec, hosting: 'moon' } })).toBe(false);
      const stdout = await runCli(['schema'], tree.root);
      const bundled = new Ajv2020({ strict: false }).compile(JSON.parse(stdout.stdout));
      expect(bundled(system)).toBe(true);
      expect(bundled({ ...system, spec: { ...system.spec, type: 'spaceship' } })).toBe(false);
    } finally {
      tree.cleanup();
    }
  });

  it('every diagnostic code is documented in docs/diagnostics.md', () => {
    const doc = readFileSync(new URL('../../docs/diagnostics.md', import.meta.url), 'utf8');
    const undocumented = Object.keys(CODES).filter((code) => !doc.includes(`### ${code}`));
    expect(undocumented).toEqual([]);
  });

  it('the generated reference pages are up to date (run `npm run generate:docs` when this fails)', () => {
    expect(readFileSync(new URL('../../docs/diagnostics.md', import.meta.url), 'utf8')).toBe(renderDiagnosticsDoc());
    expect(readFileSync(new URL('../../docs/spec-reference.md', import.meta.url), 'utf8')).toBe(renderSpecReference());
    expect(readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8')).toBe(renderRulesDoc());
  });
});

/**
 * Generated validators (issue 10 #11, #12): patterns run on RE2 in the bundle too, each pattern is
 * its own, members of Object.prototype are not fields of a message, and `tsType` never reaches code.
 */
import { describe, expect, it } from 'vitest';
import { link } from '../../generators/bundles/link.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { contractDeclarations } from '../../generators/types/generate-types.ts';
import { validatorModule } from '../../generators/validators/generate-validators.ts';

type Validate = ((data: unknown) => boolean) & { errors?: { keyword: string; instancePath: string }[] | null };

/** Links the validator of `schema` with the runtime support, as a bundle does, and imports it. */
async function bundledValidator(schema: Record<string, unknown>): Promise<Validate> {
  const generated = validatorModule({ name: 'probe', major: 1, version: '1.0.0', schema });
  if (!generated.ok) throw new Error(generated.message);
  const modules = new Map<string, string>();
  for (const [name, text] of readSupportSources()) modules.set(`support/${name}`, text);
  modules.set('types.ts', 'export type ProbeV1 = unknown;\n');
  modules.set('validators/probe-v1.ts', generated.text);
  const js = link({ modules, entries: ['validators/probe-v1.ts'] });
  expect(js).not.toMatch(/\bnew RegExp\(/);
  const module = (await import(`data:text/javascript,${encodeURIComponent(js)}`)) as Record<string, Validate>;
  return module.validateProbeV1!;
}

describe('generated validators', () => {
  it('run each pattern on RE2: distinct patterns stay distinct, and ^(a+)+$ answers at once', async () => {
    const validate = await bundledValidator({
      type: 'object',
      properties: {
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        code: { type: 'string', pattern: '^(a+)+$' },
        accented: { type: 'string', pattern: '^\\u00e9+$' },
      },
    });
    expect(validate({ currency: 'EUR', code: 'aaa', accented: 'éé' })).toBe(true);
    expect(validate({ currency: 'aaa' })).toBe(false);
    expect(validate({ code: 'EUR' })).toBe(false);
    const started = performance.now();
    expect(validate({ code: `${'a'.repeat(5_000)}!` })).toBe(false);
    expect(performance.now() - started).toBeLessThan(1_000);
  }, 60_000);

  it('treat toString and valueOf as absent unless the message has them', async () => {
    const validate = await bundledValidator({
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'string' }, toString: { type: 'string' }, valueOf: { type: 'number' } },
    });
    expect(validate({ id: 'a' }), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ id: 'a', toString: 'x', valueOf: 2 })).toBe(true);
    expect(validate({ id: 'a', toString: 3 })).toBe(false);
    expect(validate({ toString: 'x' })).toBe(false);
  }, 60_000);

  it('never paste tsType or tsEnumNames into the types', async () => {
    const text = await contractDeclarations({
      name: 'evil',
      major: 1,
      version: '1.0.0',
      schema: {
        type: 'object',
        properties: {
          id: { type: 'string', tsType: 'string; globalThis.process.exit(3); type X = string' },
          kind: { type: 'string', enum: ['a', 'b'], tsEnumNames: ['A = (globalThis.process.exit(4), 1)', 'B'] },
        },
      },
    });
    expect(text).not.toContain('process.exit');
    expect(text).toContain('id?: string');
  });
});

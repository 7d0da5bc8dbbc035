import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';
import { checkContractKeywords } from './check-contract-keywords.ts';
import { CompiledSchemas } from './compiled-schemas.ts';
import { createAjv } from './schema-validators.ts';
import { parseFieldPath } from '../schema/field-path.ts';
import { pointerToPath } from '../schema/json-pointer.ts';
import { schemaHasField } from '../schema/schema-walk.ts';

let metaAjv: Ajv2020 | undefined;

/**
 * A contract's schema is a valid JSON Schema; its examples satisfy it; identity, business keys and
 * classification name fields it declares. Schemas are compiled only when there are examples, because
 * compiling thousands of schemas would dominate validation time.
 */
export function checkContract(doc: SpecDocument<'DataContract'>, report: Reporter): void {
  metaAjv ??= createAjv();
  const ajv = metaAjv;
  {
    const schema = doc.spec.schema as Record<string, unknown>;
    const withDialect = schema.$schema === undefined ? { ...schema, $schema: 'https://json-schema.org/draft/2020-12/schema' } : schema;
    let valid: boolean;
    try {
      valid = ajv.validateSchema(withDialect) as boolean;
    } catch {
      report.add(
        doc,
        'contract-schema-invalid',
        ['spec', 'schema', '$schema'],
        `the contract's schema declares an unsupported dialect ${JSON.stringify(schema.$schema)}`,
        'Omit `$schema` or write `https://json-schema.org/draft/2020-12/schema`: contracts are JSON Schema 2020-12.',
      );
      return;
    }
    if (!valid) {
      const first = ajv.errors?.[0];
      const where = first ? pointerToPath(first.instancePath) : [];
      report.add(
        doc,
        'contract-schema-invalid',
        ['spec', 'schema', ...where],
        `the contract's schema is not a valid JSON Schema: ${first ? `${first.instancePath || '(root)'} ${first.message}` : 'rejected by the meta-schema'}`,
        'Fix the schema (draft 2020-12); `interlace schema` publishes the JSON Schema meta-schema for editors.',
      );
      return;
    }
    // Patterns RE2 cannot run and code keywords are reported; such a schema is not compiled.
    const runnable = checkContractKeywords(doc, schema, report);
    const examples = (doc.spec.examples ?? []) as unknown[];
    if (examples.length > 0 && runnable) {
      let validate: ReturnType<Ajv2020['compile']>;
      try {
        const { $id: _ignored, ...anonymous } = withDialect;
        validate = lenientSchemas().compile(anonymous);
      } catch (error) {
        report.add(
          doc,
          'contract-schema-invalid',
          ['spec', 'schema'],
          `the contract's schema cannot be compiled: ${(error as Error).message}`,
          'Check $ref targets and keywords.',
        );
        return;
      }
      examples.forEach((example, i) => {
        if (!validate(example)) {
          const first = validate.errors?.[0];
          report.add(
            doc,
            'contract-example-invalid',
            ['spec', 'examples', i],
            `example ${i + 1} does not satisfy the contract's schema: ${first ? `${first.instancePath || '(root)'} ${first.message}` : 'invalid'}`,
            "Fix the example or the schema; examples are the contract's promise in concrete form.",
          );
        }
      });
    }
    const fieldLists: [string, string[]][] = [
      ['identity', (doc.spec.identity ?? []) as string[]],
      ['businessKeys', Object.values((doc.spec.businessKeys ?? {}) as Record<string, string>)],
      ['classification', Object.keys((doc.spec.classification ?? {}) as Record<string, string>)],
    ];
    for (const [section, paths] of fieldLists) {
      const keys = section === 'businessKeys' ? Object.keys(doc.spec.businessKeys ?? {}) : undefined;
      paths.forEach((path, i) => {
        if (schemaHasField(schema, path)) return;
        const parsed = parseFieldPath(path);
        const at =
          section === 'identity'
            ? ['spec', 'identity', i]
            : section === 'businessKeys'
              ? ['spec', 'businessKeys', keys![i]!]
              : ['spec', 'classification', path];
        report.add(
          doc,
          'contract-field-unknown',
          at,
          parsed.ok
            ? `${section} names field \`${path}\`, which the contract's schema does not declare`
            : `\`${path}\` is not a field path: ${parsed.message}`,
          'Name a field declared under `schema.properties` (use `lines[].sku` for fields of list items).',
          { key: section === 'classification' },
        );
      });
    }
  }
}

let lenient: CompiledSchemas | undefined;
/**
 * User schemas may carry vendor keywords (x-sap-label); compile them without strict mode. Compiled
 * once per distinct schema: `--watch` and the gate worker validate the same contracts again and again.
 */
function lenientSchemas(): CompiledSchemas {
  lenient ??= new CompiledSchemas(createAjv({ strict: false }));
  return lenient;
}

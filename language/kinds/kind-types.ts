import { compile } from 'json-schema-to-typescript';
import { KIND_NAMES, kindSchema } from './registry.ts';

const BANNER = `/* eslint-disable */
/**
 * Generated from language/kinds/schemas by \`npm run generate:kind-types\` — do not edit.
 * A test fails when this file is stale.
 */`;

/**
 * The TypeScript types of the spec kinds, made from their JSON Schemas with json-schema-to-typescript.
 * Deterministic: the same schemas give the same text.
 */
export async function renderKindTypes(): Promise<string> {
  const parts: string[] = [BANNER];
  const seen = new Set<string>();
  for (const kind of KIND_NAMES) {
    const schema = kindSchema(kind);
    let text = await compile(schema as Parameters<typeof compile>[0], kind, {
      bannerComment: '',
      additionalProperties: false,
      strictIndexSignatures: true,
      format: true,
      declareExternallyReferenced: true,
      unreachableDefinitions: false,
      style: { singleQuote: true, printWidth: 120 },
    });
    // Shared definitions ($defs copied into every kind) come out once per kind; keep the first copy.
    text = text.replace(
      /(?:\/\*\*(?:[^*]|\*(?!\/))*\*\/\n)?export (?:type|interface) (\w+)[\s\S]*?\n(?=(?:\/\*\*|export |$))/g,
      (block, name: string) => {
        if (seen.has(name)) return '';
        seen.add(name);
        return block;
      },
    );
    parts.push(text.trim());
  }
  return parts.join('\n\n') + '\n';
}

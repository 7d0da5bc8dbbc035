/**
 * The spec kinds, each defined once as a JSON Schema (2020-12). Everything else — ajv validation,
 * the committed TypeScript types, the schemas published for editors, later the CRDs — is made from
 * what this module returns.
 */
import common from './schemas/common.defs.json' with { type: 'json' };
import dataContract from './schemas/datacontract.schema.json' with { type: 'json' };
import system from './schemas/system.schema.json' with { type: 'json' };
import mapping from './schemas/mapping.schema.json' with { type: 'json' };
import eventRoute from './schemas/eventroute.schema.json' with { type: 'json' };
import api from './schemas/api.schema.json' with { type: 'json' };
import policy from './schemas/policy.schema.json' with { type: 'json' };
import workflow from './schemas/workflow.schema.json' with { type: 'json' };

export const API_VERSION = 'interlace.dev/v1alpha1';

export const KIND_NAMES = ['DataContract', 'System', 'Mapping', 'EventRoute', 'Api', 'Policy', 'Workflow'] as const;
export type KindName = (typeof KIND_NAMES)[number];

/** Kinds whose identity includes the major version: one document per major (`order@2`). */
export const VERSIONED_KINDS: ReadonlySet<KindName> = new Set(['DataContract', 'Api', 'Workflow']);

export function isKindName(value: unknown): value is KindName {
  return typeof value === 'string' && (KIND_NAMES as readonly string[]).includes(value);
}

export type JsonSchema = Record<string, unknown>;

const SOURCES: Record<KindName, JsonSchema> = {
  DataContract: dataContract,
  System: system,
  Mapping: mapping,
  EventRoute: eventRoute,
  Api: api,
  Policy: policy,
  Workflow: workflow,
};

/**
 * The self-contained schema of one kind: the shared definitions are copied into its `$defs`, so the
 * schema resolves without a network and can be handed to an editor as one file.
 */
export function kindSchema(kind: KindName): JsonSchema {
  const source = SOURCES[kind];
  const ownDefs = (source.$defs ?? {}) as Record<string, unknown>;
  return structuredClone({ ...source, $defs: { ...common.$defs, ...ownDefs } });
}

/** File name a kind's schema is published under (`datacontract.schema.json`). */
export function schemaFileName(kind: KindName): string {
  return `${kind.toLowerCase()}.schema.json`;
}

/**
 * One schema for any Interlace document, dispatching on `kind`: what an editor is pointed at for a
 * whole folder of specs (multi-kind files included).
 */
export function anyKindSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://interlace.dev/schemas/v1alpha1/interlace.schema.json',
    title: 'Interlace spec document',
    description: 'Any Interlace spec document; `kind` selects the schema.',
    type: 'object',
    required: ['apiVersion', 'kind'],
    properties: {
      apiVersion: { const: API_VERSION },
      kind: { enum: [...KIND_NAMES] },
    },
    allOf: KIND_NAMES.map((kind) => ({
      if: { properties: { kind: { const: kind } }, required: ['kind'] },
      then: { $ref: schemaFileName(kind) },
    })),
  };
}

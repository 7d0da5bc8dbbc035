import type { KindName } from '../../language/kinds/registry.ts';
import { kindSchema } from '../../language/kinds/registry.ts';
import { CRD_CATEGORY, CRD_GROUP, CRD_VERSION, RESOURCE_NAMES, crdName } from './names.ts';
import type { ResourceKind } from './names.ts';
import { specStatusSchema } from './status-schema.ts';
import { toStructural } from './structural-schema.ts';
import type { ConversionNote, Schema } from './structural-schema.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

const condition = (type: string) => `.status.conditions[?(@.type=="${type}")].status`;

/** READY, SYNCED, HEALTH, REVISION, then the kind's own columns, then AGE; MESSAGE shows with -o wide. */
function columns(own: PrinterColumn[]): PrinterColumn[] {
  return [
    ...own.filter((c) => !c.priority),
    { name: 'Ready', type: 'string', jsonPath: condition('Ready'), description: 'Applied and healthy.' },
    { name: 'Synced', type: 'string', jsonPath: condition('Synced'), description: 'This generation and its runtime objects are applied.' },
    {
      name: 'Health',
      type: 'string',
      jsonPath: '.status.health',
      description: 'Health of the workload behind it (None: nothing runs for it).',
    },
    { name: 'Revision', type: 'string', jsonPath: '.status.lastAppliedRevision', description: 'Source revision last applied.' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
    ...own.filter((c) => c.priority),
    { name: 'Owner', type: 'string', jsonPath: '.spec.owner', description: 'Accountable team.', priority: 1 },
    { name: 'Message', type: 'string', jsonPath: '.status.message', description: 'What is wrong or happening.', priority: 1 },
  ];
}

/** The kind-specific columns (shown before READY so the table reads "what, then how it is"). */
const KIND_COLUMNS: Record<KindName, PrinterColumn[]> = {
  DataContract: [{ name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Semantic version.' }],
  Api: [
    { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Semantic version.' },
    { name: 'Base-Path', type: 'string', jsonPath: '.spec.basePath', description: 'URL prefix.', priority: 1 },
  ],
  System: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type', description: 'Kind of application.' },
    { name: 'Hosting', type: 'string', jsonPath: '.spec.hosting', description: 'Where it runs.', priority: 1 },
  ],
  Mapping: [
    { name: 'From', type: 'string', jsonPath: '.spec.from', description: 'Source contract.' },
    { name: 'To', type: 'string', jsonPath: '.spec.to', description: 'Target contract.' },
  ],
  EventRoute: [
    { name: 'Source', type: 'string', jsonPath: '.spec.source.system', description: 'System the events come from.' },
    { name: 'Contract', type: 'string', jsonPath: '.spec.source.contract', description: 'Contract of the events.', priority: 1 },
  ],
  Policy: [],
  Workflow: [
    { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Semantic version.' },
    { name: 'Running', type: 'integer', jsonPath: '.status.executions.running', description: 'Executions open on Temporal now.' },
    {
      name: 'Failed',
      type: 'integer',
      jsonPath: '.status.executions.failed',
      description: 'Executions that failed: closed by Temporal as failed, or ended failed (InterlaceStatus).',
    },
  ],
};

export interface CrdResult {
  crd: Schema;
  notes: ConversionNote[];
}

/** The CustomResourceDefinition object around one version's schema and columns. */
export function crdObject(kind: ResourceKind, openAPIV3Schema: Schema, printerColumns: PrinterColumn[]): Schema {
  const names = RESOURCE_NAMES[kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(kind),
      labels: { 'app.kubernetes.io/part-of': 'interlace' },
    },
    spec: {
      group: CRD_GROUP,
      scope: 'Namespaced',
      names: {
        kind,
        listKind: `${kind}List`,
        plural: names.plural,
        singular: names.singular,
        shortNames: names.shortNames,
        categories: [CRD_CATEGORY],
      },
      versions: [
        {
          name: CRD_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns,
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

/** The CRD of one spec kind, made from its JSON Schema. */
export function specKindCrd(kind: KindName): CrdResult {
  const source = kindSchema(kind);
  const defs = source.$defs as Record<string, Schema>;
  const spec = (source.properties as Record<string, Schema>).spec!;
  const converted = toStructural(spec, defs);
  const description = typeof source.description === 'string' ? source.description : kind;
  const openAPIV3Schema: Schema = {
    type: 'object',
    description: `${description}\n\nMirrored from Git by the Interlace controller; edit the YAML in the estate's repository, not this object.`,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'interlace.dev/v1alpha1' },
      kind: { type: 'string', description: kind },
      metadata: { type: 'object' },
      spec: converted.schema,
      status: specStatusSchema(),
    },
  };
  return {
    crd: crdObject(kind, openAPIV3Schema, columns(KIND_COLUMNS[kind])),
    notes: converted.notes.map((n) => ({ ...n, path: `${kind}.spec${n.path}` })),
  };
}

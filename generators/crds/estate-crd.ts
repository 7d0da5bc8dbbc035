/**
 * The Estate: one Git source of specs reconciled into one target namespace. Not a spec kind (it
 * lives only in the cluster), so its schema is written here in structural form directly.
 */
import { crdObject } from './kind-crds.ts';
import type { PrinterColumn } from './kind-crds.ts';
import { conditionsSchema, HEALTH_VALUES } from './status-schema.ts';
import type { Schema } from './structural-schema.ts';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** Go duration subset Flux accepts too: `30s`, `5m`, `1h30m`. */
const DURATION = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

function localRef(description: string): Schema {
  return {
    type: 'object',
    description,
    required: ['name'],
    properties: {
      name: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN, description: "Name of a Secret in the Estate's namespace." },
    },
  };
}

/** `spec.backbone`: the NATS JetStream every worker of the Estate connects to (controller/plan/backbone-env.ts). */
function backboneSpec(): Schema {
  return {
    type: 'object',
    description:
      "The NATS JetStream backbone the workers share (default: the controller's --nats-url, set by the chart). An estate with routes and no backbone is refused.",
    required: ['url'],
    properties: {
      url: {
        type: 'string',
        minLength: 1,
        maxLength: 2048,
        pattern: '^(nats|tls)://[^,\\s]+(,(nats|tls)://[^,\\s]+)*$',
        description: 'nats://host:4222 (tls:// for TLS); several servers comma-separated.',
      },
      credentials: {
        type: 'object',
        description:
          'A Secret in the target namespace with the credentials: userPassword → keys username, password; token → token; nkey → seed (an NKey user seed); creds → user.creds (JWT and seed).',
        required: ['type', 'secretRef'],
        properties: {
          type: { type: 'string', enum: ['userPassword', 'token', 'nkey', 'creds'] },
          secretRef: localRef('Secret holding the credentials, in the target namespace.'),
        },
      },
      tls: {
        type: 'object',
        description: "Verify the server's certificate with this CA.",
        required: ['caSecretRef'],
        properties: { caSecretRef: localRef('Secret with key ca.crt (PEM), in the target namespace.') },
      },
    },
  };
}

/** `spec.workflows`: where the Estate's Workflow units run (controller/plan/temporal-env.ts), next to its backbone. */
function workflowsSpec(): Schema {
  return {
    type: 'object',
    description:
      "Where the estate's workflows run. Without it (and without the controller's --temporal-address), workflows are not deployed (warning plan-temporal-missing).",
    properties: {
      temporal: {
        type: 'object',
        description: "An existing Temporal cluster (default: the controller's --temporal-address, set by the chart's temporal values).",
        required: ['address'],
        properties: {
          address: {
            type: 'string',
            minLength: 1,
            maxLength: 1024,
            pattern: '^([^\\s:/]+|\\[[0-9a-fA-F:]+\\]):[0-9]{1,5}$',
            description: 'host:port of the frontend (gRPC), e.g. temporal-frontend.temporal:7233 or <ns>.<account>.tmprl.cloud:7233.',
          },
          namespace: {
            type: 'string',
            minLength: 1,
            maxLength: 255,
            default: 'default',
            description: 'The Temporal namespace the workflows run in (default `default`).',
          },
          scope: {
            type: 'string',
            minLength: 1,
            maxLength: 63,
            pattern: '^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$',
            description:
              "Prefixes the workflows' task queues and workflow ids on the namespace (<scope>/<name>), so Estates sharing it stay apart. Default <Estate namespace>.<Estate name>; set it when that is not unique on the Temporal namespace (the same Estate in two Kubernetes clusters).",
          },
          image: {
            type: 'string',
            minLength: 1,
            maxLength: 1024,
            description:
              "Image the Workflow units run: one with the Temporal SDK (the Dockerfile's temporal target). Default: the Estate's runtimeImage.",
          },
          mtls: {
            type: 'object',
            description: 'Mutual TLS: the client certificate the server trusts, and its CA.',
            required: ['secretRef'],
            properties: {
              secretRef: localRef(
                'A kubernetes.io/tls Secret in the target namespace: keys tls.crt, tls.key and ca.crt (the server CA), PEM.',
              ),
            },
          },
          apiKey: {
            type: 'object',
            description: 'An API key (Temporal Cloud), sent as a bearer token over TLS.',
            required: ['secretRef'],
            properties: {
              secretRef: {
                type: 'object',
                description: 'The Secret in the target namespace holding the key.',
                required: ['name'],
                properties: {
                  name: {
                    type: 'string',
                    maxLength: 253,
                    pattern: DNS_SUBDOMAIN,
                    description: "Name of a Secret in the Estate's namespace.",
                  },
                  key: {
                    type: 'string',
                    minLength: 1,
                    maxLength: 253,
                    default: 'api-key',
                    description: 'The key that holds the API key (default api-key).',
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}

function estateSpec(): Schema {
  return {
    type: 'object',
    required: ['source'],
    properties: {
      source: {
        type: 'object',
        description: 'Where the specs come from.',
        required: ['url'],
        properties: {
          url: {
            type: 'string',
            minLength: 1,
            maxLength: 2048,
            pattern: '^(https?|ssh|git|file)://|^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:',
            description:
              'Git repository URL: https://, ssh://, git@host:path; file:// only when the controller runs with --allow-local-sources (tests).',
          },
          ref: {
            type: 'object',
            description:
              "What to check out; default the remote's default branch. A commit pins the estate; with a branch it must be on that branch.",
            properties: {
              branch: { type: 'string', minLength: 1, maxLength: 255, description: 'Branch to follow, e.g. main.' },
              tag: { type: 'string', minLength: 1, maxLength: 255, description: 'Tag to check out, e.g. v1.4.0.' },
              commit: {
                type: 'string',
                pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$',
                description: 'Full commit id (SHA-1 or SHA-256) to pin.',
              },
            },
            'x-kubernetes-validations': [{ rule: '!(has(self.branch) && has(self.tag))', message: 'set branch or tag, not both' }],
          },
          path: {
            type: 'string',
            maxLength: 1024,
            default: 'specs',
            pattern: '^[^/].*$|^$',
            description: 'Folder inside the repository that holds the specs (default specs).',
          },
          interval: {
            type: 'string',
            pattern: DURATION,
            default: '5m',
            description: 'How often to fetch and correct drift, e.g. 1m, 5m, 1h (default 5m).',
          },
          timeout: { type: 'string', pattern: DURATION, description: 'Limit for one fetch (default 60s).' },
          secretRef: localRef(
            'Credentials for the repository: keys username and password (or bearerToken) for HTTPS; identity and known_hosts for SSH.',
          ),
          webhookSecretRef: localRef('Secret with key `token`: the HMAC key push webhooks (GitHub, GitLab) are verified with.'),
        },
      },
      targetNamespace: {
        type: 'string',
        maxLength: 63,
        pattern: DNS_LABEL,
        description:
          "Namespace the spec objects and their workloads go to (default: the Estate's namespace). Another namespace only when the cluster admin allows it (--allow-target-namespace).",
      },
      runtimeImage: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        description: "Image that runs the bundles (`interlace worker`); default: the controller's --runtime-image.",
      },
      backbone: backboneSpec(),
      workflows: workflowsSpec(),
      tracing: {
        type: 'object',
        description:
          "OTLP trace export of the Estate's workers (default: the controller's --otlp-endpoint, set by the chart's tracing values; without either, spans are dropped).",
        required: ['otlpEndpoint'],
        properties: {
          otlpEndpoint: {
            type: 'string',
            minLength: 1,
            maxLength: 2048,
            pattern: '^https?://[^\\s/]+(/[^\\s]*)?$',
            description: 'OTLP/HTTP base URL of a collector (http://otel-collector.observability:4318); spans go to <url>/v1/traces.',
          },
          sampleRatio: {
            type: 'number',
            minimum: 0,
            maximum: 1,
            description: 'Share of new traces kept (default 1); a trace continued from upstream follows its parent.',
          },
        },
      },
      prune: {
        type: 'boolean',
        default: true,
        description: 'Delete objects that an earlier revision applied and this one no longer has (default true).',
      },
      suspend: { type: 'boolean', default: false, description: 'Stop reconciling; what is applied keeps running.' },
    },
  };
}

function objectRef(): Schema {
  return {
    type: 'object',
    required: ['apiVersion', 'kind', 'name'],
    properties: {
      apiVersion: { type: 'string', description: 'e.g. apps/v1 or interlace.dev/v1alpha1.' },
      kind: { type: 'string' },
      namespace: { type: 'string' },
      name: { type: 'string' },
    },
  };
}

function estateStatus(): Schema {
  return {
    type: 'object',
    description: 'Written by the controller.',
    properties: {
      conditions: conditionsSchema(),
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
      lastAttemptedRevision: {
        type: 'string',
        maxLength: 512,
        description: 'Last revision fetched and checked (`main@sha1:<commit>`), applied or not.',
      },
      lastAppliedRevision: {
        type: 'string',
        maxLength: 512,
        description: 'Last revision applied; keeps running while a newer one is rejected.',
      },
      lastHandledReconcileAt: {
        type: 'string',
        maxLength: 256,
        description:
          'The value of the `interlace.dev/reconcile-requested-at` annotation the controller last acted on (`interlace reconcile` waits for it).',
      },
      health: { type: 'string', enum: [...HEALTH_VALUES], description: "Worst health of the estate's objects." },
      message: { type: 'string', maxLength: 32768, description: 'One line for a person.' },
      inventory: {
        type: 'object',
        description: 'Every object the last applied revision created: what pruning compares against.',
        properties: { entries: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: objectRef() } },
      },
      counts: {
        type: 'object',
        description: 'Spec objects by state.',
        properties: {
          specs: { type: 'integer', format: 'int32', minimum: 0, description: 'Spec objects applied.' },
          units: { type: 'integer', format: 'int32', minimum: 0, description: 'Deployable units (routes, API majors).' },
          objects: { type: 'integer', format: 'int32', minimum: 0, description: 'Objects in the inventory.' },
          ready: { type: 'integer', format: 'int32', minimum: 0 },
          progressing: { type: 'integer', format: 'int32', minimum: 0 },
          degraded: { type: 'integer', format: 'int32', minimum: 0 },
        },
      },
      diagnostics: {
        type: 'array',
        maxItems: 20,
        'x-kubernetes-list-type': 'atomic',
        description: 'The first problems of the last rejected revision (empty when it was accepted).',
        items: {
          type: 'object',
          required: ['code', 'message', 'severity'],
          properties: {
            file: { type: 'string', maxLength: 1024 },
            line: { type: 'integer', format: 'int32', minimum: 0 },
            column: { type: 'integer', format: 'int32', minimum: 0 },
            code: { type: 'string', maxLength: 128 },
            severity: { type: 'string', enum: ['error', 'warning', 'info', 'hint'] },
            message: { type: 'string', maxLength: 4096 },
            hint: { type: 'string', maxLength: 4096 },
          },
        },
      },
      diagnosticsTotal: {
        type: 'integer',
        format: 'int32',
        minimum: 0,
        description: 'How many problems the rejected revision had in all.',
      },
      deadLetters: {
        type: 'array',
        maxItems: 100,
        'x-kubernetes-list-type': 'atomic',
        description:
          "Routes with dead letters waiting (stored on the backbone, neither replayed nor purged), most first; read from the estate's backbone after each apply (`interlace dlq list --nats` shows them).",
        items: {
          type: 'object',
          required: ['route', 'count'],
          properties: {
            route: { type: 'string', maxLength: 253 },
            count: { type: 'integer', format: 'int64', minimum: 0 },
          },
        },
      },
      deadLetterCount: {
        type: 'integer',
        format: 'int64',
        minimum: 0,
        description: "All dead letters waiting across the estate's routes.",
      },
    },
  };
}

const ESTATE_COLUMNS: PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'The last revision is applied and healthy.',
  },
  { name: 'Health', type: 'string', jsonPath: '.status.health', description: 'Worst health of its objects.' },
  { name: 'Revision', type: 'string', jsonPath: '.status.lastAppliedRevision', description: 'Revision applied.' },
  { name: 'DLQ', type: 'integer', jsonPath: '.status.deadLetterCount', description: 'Dead letters waiting (not replayed or purged).' },
  { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend', description: 'Reconciling stopped.' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
  {
    name: 'Status',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].message',
    description: "The Ready condition's message.",
  },
  { name: 'URL', type: 'string', jsonPath: '.spec.source.url', description: 'Repository.', priority: 1 },
  { name: 'Attempted', type: 'string', jsonPath: '.status.lastAttemptedRevision', description: 'Last revision fetched.', priority: 1 },
];

export function estateCrd(): Schema {
  return crdObject(
    'Estate',
    {
      type: 'object',
      description: 'A Git repository of Interlace specs, validated, checked and reconciled into a namespace.',
      required: ['spec'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec: estateSpec(),
        status: estateStatus(),
      },
    },
    ESTATE_COLUMNS,
  );
}

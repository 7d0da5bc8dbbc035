/** Small, valid spec documents for tests; each takes overrides as YAML fragments. */

export const HEADER = 'apiVersion: interlace.dev/v1alpha1';

export function contract(name: string, version: string, schema: string, extra = ''): string {
  return `${HEADER}
kind: DataContract
metadata:
  name: ${name}
spec:
  version: ${version}
  owner: team-o2c
${extra}  schema:
${schema.replace(/^/gm, '    ')}
`;
}

export const ORDER_SCHEMA_CLOSED = `type: object
additionalProperties: false
required: [orderNumber]
properties:
  orderNumber: { type: string, maxLength: 10 }
  notes: { type: string }`;

export const ORDER_SCHEMA_OPEN = `type: object
required: [orderNumber]
properties:
  orderNumber: { type: string, maxLength: 10 }
  notes: { type: string }`;

export function api(name: string, version: string, spec: string): string {
  return `${HEADER}
kind: Api
metadata:
  name: ${name}
spec:
  version: ${version}
  owner: team-api
${spec.replace(/^/gm, '  ')}
`;
}

export function system(name: string, extra = ''): string {
  return `${HEADER}
kind: System
metadata:
  name: ${name}
spec:
  type: wms
  hosting: cloud
  owner: team-wms
  endpoint: { protocol: http, url: "https://${name}.example.com" }
  auth: { type: api-key, header: APIKey, secretRef: { name: ${name}-credentials } }
  limits: { rateLimit: { requests: 10, per: 1s }, concurrency: 4 }
${extra}`;
}

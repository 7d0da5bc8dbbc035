import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a synthetic estate of `count` documents, one per file, shaped like the example estate:
 * 40% contracts with 15–25 fields, 20% mappings, 15% routes, 10% APIs, 10% systems, 5% policies.
 * Every reference resolves, so the run measures a clean estate (the common CI case).
 */
export function writeEstate(root: string, count: number): void {
  const contracts = Math.floor(count * 0.4);
  const systems = Math.floor(count * 0.1);
  const mappings = Math.floor(count * 0.2);
  const routes = Math.floor(count * 0.15);
  const apis = Math.floor(count * 0.1);
  const policies = count - contracts - systems - mappings - routes - apis;
  for (const dir of ['contracts', 'systems', 'mappings', 'routes', 'apis', 'policies']) mkdirSync(join(root, dir), { recursive: true });
  const write = (dir: string, name: string, text: string) => writeFileSync(join(root, dir, `${name}.yaml`), text);
  const header = (kind: string, name: string) =>
    `apiVersion: interlace.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  labels:\n    domain: order-to-cash\n    team: team-${name.length % 7}\n`;

  for (let i = 0; i < contracts; i++) {
    const fields = 15 + (i % 11);
    let properties = '';
    for (let f = 0; f < fields; f++) {
      const type = f % 4 === 0 ? 'number' : f % 4 === 1 ? 'integer' : 'string';
      properties += `      field${f}:\n        type: ${type}\n        description: Field ${f} of entity ${i}, as the ERP sends it.\n${type === 'string' ? '        maxLength: 80\n' : '        minimum: 0\n'}`;
    }
    write(
      'contracts',
      `entity-${i}`,
      `${header('DataContract', `entity-${i}`)}spec:
  version: 1.${i % 5}.0
  owner: team-${i % 9}
  description: Canonical entity ${i} exchanged between the ERPs, the WMS and the dealer portal.
  compatibility: BACKWARD
  identity: [field2]
  businessKeys:
    order_number: field2
  classification:
    field3: confidential
  schema:
    type: object
    required: [field2]
    additionalProperties: false
    properties:
      lines:
        type: array
        items:
          type: object
          properties:
            sku: { type: string }
            quantity: { type: number, minimum: 0 }
${properties}`,
    );
  }
  for (let i = 0; i < systems; i++) {
    write(
      'systems',
      `system-${i}`,
      `${header('System', `system-${i}`)}spec:
  type: ${['erp', 'wms', 'tms', 'crm', 'commerce'][i % 5]}
  hosting: ${['on-prem', 'cloud', 'saas'][i % 3]}
  product: Product ${i}
  owner: team-${i % 9}
  endpoint:
    protocol: http
    url: https://system-${i}.example.com/api
    format: json
  auth:
    type: api-key
    header: APIKey
    secretRef: { name: system-${i}-credentials, key: api-key }
  limits:
    rateLimit: { requests: 50, per: 1s }
    concurrency: 8
    timeout: 10s
  contracts: [entity-${(2 * i) % contracts}@1, entity-${(2 * i + 1) % contracts}@1]
`,
    );
  }
  for (let i = 0; i < mappings; i++) {
    let rules = '';
    for (let f = 0; f < 12; f++) rules += `    - target: field${f}\n      from: field${f}\n`;
    write(
      'mappings',
      `mapping-${i}`,
      `${header('Mapping', `mapping-${i}`)}spec:
  from: entity-${i % contracts}@1
  to: entity-${(i + 1) % contracts}@1
  owner: team-${i % 9}
  rules:
${rules}    - target: lines
      each: lines
      rules:
        - { target: sku, from: sku, convert: { trim: true } }
        - { target: quantity, from: quantity }
`,
    );
  }
  for (let i = 0; i < routes; i++) {
    const source = i % contracts;
    write(
      'routes',
      `route-${i}`,
      `${header('EventRoute', `route-${i}`)}spec:
  owner: team-${i % 9}
  source:
    topic: events.entity-${i}
    contract: entity-${source}@1
  filter: event.field2 != ""
  key: [field2]
  ordering: per-key
  targets:
    - name: primary
      topic: out.entity-${i}
      mapping: mapping-${source % mappings}
      delivery:
        timeout: 5s
        retry: { maxAttempts: 5, initialBackoff: 200ms, maxBackoff: 30s, multiplier: 2, jitter: 0.2 }
        deadLetter: { topic: dlq.route-${i} }
`,
    );
  }
  for (let i = 0; i < apis; i++) {
    write(
      'apis',
      `api-${i}`,
      `${header('Api', `api-${i}`)}spec:
  version: 1.0.${i % 3}
  owner: team-${i % 9}
  basePath: /api-${i}/v1
  auth: { type: oauth2, jwksUrl: "https://login.example.com/jwks", scopes: [read] }
  rateLimit: { requests: 100, per: 1s }
  operations:
    - id: getEntity
      method: GET
      path: /entities/{id}
      parameters: [{ name: id, in: path, required: true }]
      response: { status: 200, contract: entity-${i % contracts}@1 }
`,
    );
  }
  for (let i = 0; i < policies; i++) {
    write(
      'policies',
      `policy-${i}`,
      `${header('Policy', `policy-${i}`)}spec:
  rules:
    - { id: owner-required, severity: error }
    - { id: deprecation-needs-sunset, params: { minDays: 90 } }
    - id: system-has-owner
      expr: has(doc.spec.owner)
      scope: { kinds: [System] }
      message: every system needs an owner
`,
    );
  }
}

/**
 * A synthetic estate for `npm run bench -- reconcile` that passes validate, check and generate, shaped
 * like the example estate (40% contracts, 10% systems, 20% mappings, 15% routes, 10% APIs, 5%
 * policies): `count` spec documents, one per file, under `specs/`.
 */
export function reconcileEstateFiles(count: number, variant = 0): Record<string, string> {
  const n = (share: number) => Math.floor(count * share);
  const systems = Math.max(1, n(0.1));
  const mappings = Math.max(1, n(0.2));
  const routes = Math.min(mappings, n(0.15));
  const apis = Math.min(mappings, n(0.1));
  const policies = n(0.05);
  const contracts = count - systems - mappings - routes - apis - policies;
  if (contracts < 2 * mappings) throw new Error(`${count} documents leave too few contracts for ${mappings} mappings`);
  const files: Record<string, string> = {};
  const doc = (kind: string, name: string, spec: string) =>
    `apiVersion: interlace.dev/v1alpha1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}`;
  for (let i = 0; i < contracts; i++) {
    files[`specs/contracts/entity-${i}.yaml`] = doc(
      'DataContract',
      `entity-${i}`,
      `  version: 1.0.0
  owner: team-${i % 9}
  description: Entity ${i} exchanged between the ERPs, the WMS and the dealer portal.
  identity: [id]
  schema:
    type: object
    additionalProperties: false
    required: [id, quantity]
    properties:
      id: { type: string, description: Business key. }
      quantity: { type: number }
      note: { type: string }
`,
    );
  }
  for (let i = 0; i < systems; i++) {
    files[`specs/systems/system-${i}.yaml`] = doc(
      'System',
      `system-${i}`,
      `  type: ${['erp', 'wms', 'tms', 'crm', 'commerce'][i % 5]}
  hosting: cloud
  owner: team-${i % 9}
  endpoint: { protocol: http, url: "https://system-${i}.example.com" }
  auth: { type: basic, secretRef: { name: system-${i}-credentials } }
  limits: { rateLimit: { requests: 10, per: 1s }, concurrency: 4, timeout: 10s }
`,
    );
  }
  for (let i = 0; i < mappings; i++) {
    // `variant` changes one mapping (the one-spec change whose commit-to-applied latency is measured).
    const note = i === 0 && variant > 0 ? `variant ${variant}` : 'from the ERP';
    files[`specs/mappings/mapping-${i}.yaml`] = doc(
      'Mapping',
      `mapping-${i}`,
      `  from: entity-${2 * i}@1
  to: entity-${2 * i + 1}@1
  owner: team-${i % 9}
  rules:
    - { target: id, from: id }
    - { target: quantity, from: quantity }
    - { target: note, value: "${note}" }
  tests:
    - name: copies the key
      input: { id: "A-${i}", quantity: 2 }
      expected: { id: "A-${i}", quantity: 2, note: "${note}" }
`,
    );
  }
  for (let i = 0; i < routes; i++) {
    files[`specs/routes/route-${i}.yaml`] = doc(
      'EventRoute',
      `route-${i}`,
      `  owner: team-${i % 9}
  source: { system: system-${i % systems}, event: Entity${i}.Changed, contract: entity-${2 * i}@1 }
  key: [id]
  targets:
    - name: canonical
      topic: entity-${i}.canonical
      mapping: mapping-${i}
      delivery:
        timeout: 10s
        retry: { maxAttempts: 5, initialBackoff: 1s, maxBackoff: 1m }
        deadLetter: { topic: dlq.route-${i} }
`,
    );
  }
  for (let i = 0; i < apis; i++) {
    const m = mappings - 1 - i;
    files[`specs/apis/api-${i}.yaml`] = doc(
      'Api',
      `api-${i}`,
      `  version: 1.0.0
  owner: team-${i % 9}
  basePath: /api-${i}/v1
  auth: { type: api-key, keysSecretRef: { name: api-${i}-keys } }
  rateLimit: { requests: 100, per: 1s }
  operations:
    - id: getEntity
      method: GET
      path: /entities/{id}
      summary: One entity by key
      parameters:
        - { name: id, in: path, required: true }
      response: { contract: entity-${2 * m + 1}@1 }
      backend: { system: system-${i % systems}, mapping: mapping-${m} }
`,
    );
  }
  for (let i = 0; i < policies; i++) {
    files[`specs/policies/policy-${i}.yaml`] = doc(
      'Policy',
      `policy-${i}`,
      `  owner: team-governance
  description: Baseline rules, part ${i}.
  rules:
    - id: owner-required
      severity: error
`,
    );
  }
  return files;
}

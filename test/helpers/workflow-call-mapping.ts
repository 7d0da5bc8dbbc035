// The fixture workflow estate (test/fixtures/workflows) with Mappings to the ERP's purchase-order
// request, for the tests of a workflow call that builds its request with a Mapping.
import { expect } from 'vitest';
import { workflowFixtureFiles } from './workflow-estate.ts';

const EXAMPLE = workflowFixtureFiles()['replenishment.yaml']!;

/** The ERP's purchase-order request, a mapping to it from the proposal, and a fan-out one per line. */
export const MAPPINGS = `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata: { name: po-request }
spec:
  version: 1.0.0
  owner: team-procurement
  schema:
    type: object
    additionalProperties: false
    required: [proposalId, sku, quantity]
    properties:
      proposalId: { type: string }
      supplier: { type: string }
      sku: { type: string }
      quantity: { type: number }
      priority: { enum: [normal, urgent] }
---
apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: proposal-to-po-request }
spec:
  from: proposal@1
  to: po-request@1
  owner: team-procurement
  rules:
    - { target: proposalId, from: proposalId }
    - { target: supplier, from: supplier }
    - { target: sku, expr: "'SKU-' + source.sku" }
    - { target: quantity, from: quantity }
    - { target: priority, value: normal }
---
apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: proposal-lines-to-po-request }
spec:
  from: proposal@1
  to: po-request@1
  owner: team-procurement
  each: lines
  rules:
    - { target: proposalId, expr: source.proposalId }
    - { target: sku, from: sku }
    - { target: quantity, from: quantity }
`;

const REQUEST = `        request: "{'proposalId': input.proposalId, 'supplier': input.supplier, 'sku': input.sku, 'quantity': input.quantity}"\n`;

/** The example with create-po's `request` replaced by `mapping` (its fields as given). */
export function withMapping(mapping: string, keepRequest = false): string {
  const text = EXAMPLE.replace(REQUEST, `${keepRequest ? REQUEST : ''}        mapping: ${mapping}\n`);
  expect(text).not.toBe(EXAMPLE);
  return text;
}

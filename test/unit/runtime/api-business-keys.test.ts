// An API request's span carries the response contract's business keys — but, as on routes, never a key
// that reads a field classified pii or confidential (an e-mail address must not reach a tracing backend).
import { describe, expect, it } from 'vitest';
import type { Api, DataContract } from '../../../language/kinds/generated/kinds.ts';
import type { Backbone } from '../../../runtime/backbone/backbone.ts';
import type { ViewStore } from '../../../runtime/http/view-store.ts';
import { assembleApi } from '../../../runtime/worker/api-assembly.ts';

const contract = {
  apiVersion: 'interlace.dev/v1alpha1',
  kind: 'DataContract',
  metadata: { name: 'customer-order' },
  spec: {
    version: '1.0.0',
    owner: 'team-test',
    identity: ['orderNo'],
    businessKeys: { order_number: 'orderNo', customer_email: 'customer.email', customer: 'customer.number' },
    classification: { 'customer.email': 'pii' },
    schema: { type: 'object', properties: { orderNo: { type: 'string' } } },
  },
} as unknown as DataContract;

const api = {
  apiVersion: 'interlace.dev/v1alpha1',
  kind: 'Api',
  metadata: { name: 'order-lookup' },
  spec: {
    version: '1.0.0',
    owner: 'team-test',
    basePath: '/order-lookup/v1',
    operations: [{ id: 'getOrder', method: 'GET', path: '/orders/{orderNo}', response: { contract: 'customer-order@1' } }],
  },
} as unknown as Api;

describe('API spans and business keys', () => {
  it('leave out the response contract keys that read a pii field', () => {
    const { operations } = assembleApi(
      api,
      [],
      {
        estate: { routes: [], apis: [api], systems: [], contracts: [contract] },
        backbone: {} as Backbone, // not reached: the operation has no view or System backend
        env: {},
        clients: new Map(),
      },
      {} as ViewStore,
    );
    expect(operations[0]?.responseBusinessKeys).toEqual({ order_number: 'orderNo', customer: 'customer.number' });
  });
});

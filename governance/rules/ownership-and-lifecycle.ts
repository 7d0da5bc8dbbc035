import { linearRegExp } from '../../lib/linear-regexp.ts';
import type { EstateIndex, SpecDocument } from '../../language/validate/estate-index.ts';
import { identityOf } from '../../language/validate/estate-index.ts';
import { KIND_NAMES } from '../../language/kinds/registry.ts';
import { defineRule } from '../rule.ts';
import { daysBetween } from './days.ts';
import { deprecationOf } from './deprecation.ts';

export const ownerRequiredRule = defineRule({
  id: 'owner-required',
  title: 'Every document names its owner.',
  rationale:
    'When a contract breaks or a route dead-letters at 3 a.m., someone must be accountable; the impact report lists owners to notify.',
  defaultSeverity: 'error',
  kinds: KIND_NAMES,
  example: { pass: 'spec:\n  owner: team-order-to-cash', fail: 'spec:\n  version: 1.0.0   # no owner' },
  evaluate: ({ documents, report }) => {
    for (const doc of documents) {
      if (typeof doc.spec.owner === 'string' && doc.spec.owner.trim() !== '') continue;
      report(doc, ['spec'], `${identityOf(doc)} has no owner`, 'Add `owner: <team-slug or e-mail>` under `spec`.');
    }
  },
});

export const authRequiredRule = defineRule({
  id: 'auth-required',
  title: 'Every API requires authentication.',
  rationale: 'Business APIs expose orders, prices and stock; an API without auth is open to anyone who finds it.',
  defaultSeverity: 'error',
  kinds: ['Api'],
  example: {
    pass: 'spec:\n  auth: { type: oauth2, jwksUrl: "https://login.example.com/jwks", scopes: [orders.read] }',
    fail: 'spec:\n  auth: { type: none }',
  },
  evaluate: ({ documents, report }) => {
    for (const doc of documents) {
      const type = doc.spec.auth?.type;
      if (type === undefined || type === 'none') {
        report(
          doc,
          type === undefined ? ['spec'] : ['spec', 'auth', 'type'],
          `API ${doc.name}@${doc.major} has no authentication`,
          'Add `auth: {type: api-key, keysSecretRef: {...}}` or `auth: {type: oauth2, jwksUrl: ..., scopes: [...]}`.',
        );
      }
    }
  },
});

export const rateLimitRequiredRule = defineRule({
  id: 'rate-limit-required',
  title: 'Every API has a per-client rate limit, and every system a rate or concurrency budget.',
  rationale:
    'One runaway client or replay must not take down an API, and an on-prem ERP must be protected from the integration layer itself.',
  defaultSeverity: 'error',
  kinds: ['Api', 'System'],
  params: { systems: { description: 'Also require `limits` on HTTP systems.', default: true, schema: { type: 'boolean' } } },
  example: { pass: 'spec:\n  rateLimit: { requests: 50, per: 1s }', fail: 'spec:\n  operations: [...]   # no rateLimit' },
  evaluate: ({ documents, params, report }) => {
    for (const doc of documents) {
      if (doc.kind === 'Api' && !doc.spec.rateLimit) {
        report(
          doc,
          ['spec'],
          `API ${doc.name}@${doc.major} has no rate limit`,
          'Add `rateLimit: {requests: <n>, per: 1s}`; clients over it get 429 with Retry-After.',
        );
      }
      if (
        doc.kind === 'System' &&
        params.systems &&
        doc.spec.endpoint?.protocol === 'http' &&
        !doc.spec.limits?.rateLimit &&
        !doc.spec.limits?.concurrency
      ) {
        report(
          doc,
          ['spec'],
          `system ${doc.name} has no rate or concurrency limit`,
          'Add `limits: {rateLimit: {requests: <n>, per: 1s}, concurrency: <n>}` so routes and APIs cannot overload it.',
        );
      }
    }
  },
});

export const deprecationNeedsSunsetRule = defineRule({
  id: 'deprecation-needs-sunset',
  title: 'A deprecation names a successor and a sunset at least `minDays` after it is announced (measured against the base).',
  rationale: 'Consumers need to know what to move to and by when; a sunset next week is not a migration window.',
  defaultSeverity: 'error',
  kinds: ['DataContract', 'Api'],
  params: {
    minDays: {
      description: 'Smallest allowed time between announcing a deprecation and its sunset, in days.',
      default: 90,
      schema: { type: 'integer', minimum: 0 },
    },
  },
  example: {
    pass: 'deprecation:\n  sunset: 2027-06-30\n  successor: order@2',
    fail: 'deprecation:\n  reason: use v2   # no sunset, no successor',
  },
  evaluate: ({ documents, base, today, params, report }) => {
    const minDays = params.minDays as number;
    for (const doc of documents) {
      const deprecation = doc.spec.deprecation;
      if (!deprecation) continue;
      if (!deprecation.successor)
        report(
          doc,
          ['spec', 'deprecation'],
          `${identityOf(doc)} is deprecated without a successor`,
          `Add \`successor: ${doc.name}@${(doc.major ?? 0) + 1}\` (or whatever consumers should use).`,
          'successor',
        );
      if (!deprecation.sunset) {
        report(
          doc,
          ['spec', 'deprecation'],
          `${identityOf(doc)} is deprecated without a sunset date`,
          `Add \`sunset: <YYYY-MM-DD>\`, at least ${minDays} days from now.`,
          'sunset',
        );
        continue;
      }
      // The distance is measured from the day the deprecation is announced, which only a comparison
      // with a base can tell. Without one the check would count from the wall clock and reject an
      // estate that was fine when it was written (a date bomb), so it is skipped.
      if (!base || wasDeprecated(doc, base)) continue;
      const days = daysBetween(today, deprecation.sunset);
      if (days < minDays) {
        report(
          doc,
          ['spec', 'deprecation', 'sunset'],
          `the sunset ${deprecation.sunset} is ${days} days away; deprecations need at least ${minDays}`,
          `Set the sunset to ${addDays(today, minDays)} or later.`,
          'too-soon',
        );
      }
    }
  },
});

function wasDeprecated(doc: SpecDocument, base: EstateIndex): boolean {
  return base.named(doc.kind, doc.name).some((d) => d.major === doc.major && deprecationOf(d)?.sunset !== undefined);
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export const namingConventionRule = defineRule({
  id: 'naming-convention',
  title: "Names, topics and operation ids follow the estate's conventions.",
  rationale:
    'Consistent names make an estate searchable and let policies scope by name; topics that follow one scheme can be secured and monitored by prefix.',
  defaultSeverity: 'warning',
  kinds: KIND_NAMES,
  params: {
    names: {
      description: 'Pattern per kind for `metadata.name`, e.g. `{Mapping: "^[a-z0-9-]+-to-[a-z0-9-]+$"}`.',
      default: {},
      schema: {
        type: 'object',
        propertyNames: { enum: [...KIND_NAMES] },
        additionalProperties: { type: 'string', format: 'regex' },
      },
    },
    topics: {
      description: 'Pattern every topic must match.',
      default: '^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+$',
      schema: { type: 'string', format: 'regex' },
    },
    operationIds: {
      description: 'Pattern for API operation ids.',
      default: '^(get|list|create|update|delete|search|cancel|confirm)[A-Z][A-Za-z0-9]*$',
      schema: { type: 'string', format: 'regex' },
    },
  },
  example: { pass: 'topic: orders.canonical', fail: 'topic: Orders_Canonical' },
  evaluate: ({ documents, params, report }) => {
    // The engine checked that each pattern compiles on RE2 (`format: regex`), which runs in linear time.
    const pattern = (text: string | undefined) => (text === undefined ? undefined : linearRegExp(text));
    const topics = pattern(params.topics as string);
    const operations = pattern(params.operationIds as string);
    const names = params.names as Partial<Record<string, string>>;
    for (const doc of documents) {
      const namePattern = pattern(Object.hasOwn(names, doc.kind) ? names[doc.kind] : undefined);
      if (namePattern && !namePattern.test(doc.name))
        report(
          doc,
          ['metadata', 'name'],
          `name "${doc.name}" does not follow the ${doc.kind} naming convention ${names[doc.kind]}`,
          'Rename it (references to it must change too).',
        );
      if (doc.kind === 'EventRoute' && topics) {
        const check = (topic: unknown, path: (string | number)[]) => {
          if (typeof topic === 'string' && !topics.test(topic))
            report(
              doc,
              path,
              `topic "${topic}" does not follow the topic convention ${String(params.topics)}`,
              'Use dot-separated lower-case words, domain first: `orders.canonical`.',
              topic,
            );
        };
        check(doc.spec.source.topic, ['spec', 'source', 'topic']);
        doc.spec.targets.forEach((t, i) => {
          check(t.topic, ['spec', 'targets', i, 'topic']);
          check(t.delivery?.deadLetter?.topic, ['spec', 'targets', i, 'delivery', 'deadLetter', 'topic']);
        });
      }
      if (doc.kind === 'Api' && operations) {
        doc.spec.operations.forEach((op, i) => {
          if (!operations.test(op.id))
            report(
              doc,
              ['spec', 'operations', i, 'id'],
              `operation id "${op.id}" does not follow the convention ${String(params.operationIds)}`,
              'Start with a verb: getOrderStatus, listShipments.',
              op.id,
            );
        });
      }
    }
  },
});

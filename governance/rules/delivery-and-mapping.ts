import type { SpecDocument } from '../../language/validate/estate-index.ts';
import type { Rule as MappingRule } from '../../language/kinds/generated/kinds.ts';
import { defineRule, type RuleContext } from '../rule.ts';
import { deref } from '../../language/schema/local-ref.ts';
import { propertyOf, requiredOf } from '../../language/schema/schema-walk.ts';

export const routeDeliveryBoundedRule = defineRule({
  id: 'route-delivery-bounded',
  title: 'Every route target has a timeout, bounded retries and a dead letter.',
  rationale:
    'Retries that run forever block a stream (or multiply across layers), and a failure without a dead letter is data lost; both are the top complaints about Dapr, Knative and Camel K.',
  defaultSeverity: 'error',
  kinds: ['EventRoute'],
  params: { maxAttempts: { description: 'Largest allowed `retry.maxAttempts`.', default: 20, schema: { type: 'integer', minimum: 1 } } },
  example: {
    pass: 'delivery:\n  timeout: 10s\n  retry: { maxAttempts: 5, initialBackoff: 500ms }\n  deadLetter: { topic: dlq.orders }',
    fail: 'delivery:\n  timeout: 10s   # no retry bound, no dead letter',
  },
  evaluate: ({ documents, params, report }) => {
    const limit = params.maxAttempts as number;
    for (const doc of documents) {
      doc.spec.targets.forEach((target, i) => {
        const at = ['spec', 'targets', i];
        const delivery = target.delivery;
        if (!delivery?.timeout)
          report(
            doc,
            delivery ? [...at, 'delivery'] : at,
            `target "${target.name}" has no delivery timeout`,
            'Add `delivery.timeout` (e.g. `10s`): a hung system must not hold the stream.',
            `${target.name}:timeout`,
          );
        const attempts = delivery?.retry?.maxAttempts;
        if (attempts === undefined)
          report(
            doc,
            delivery ? [...at, 'delivery'] : at,
            `target "${target.name}" has no retry bound`,
            'Add `delivery.retry: {maxAttempts: 5, initialBackoff: 500ms, maxBackoff: 1m}`.',
            `${target.name}:retry`,
          );
        else if (attempts > limit)
          report(
            doc,
            [...at, 'delivery', 'retry', 'maxAttempts'],
            `target "${target.name}" retries up to ${attempts} times; the limit is ${limit}`,
            `Lower it to ${limit} or less; park failures in the dead letter and replay them.`,
            `${target.name}:retry`,
          );
        if (!delivery?.deadLetter)
          report(
            doc,
            delivery ? [...at, 'delivery'] : at,
            `target "${target.name}" has no dead letter`,
            `Add \`delivery.deadLetter: {topic: dlq.${doc.name}}\`: failed events are kept with their reason and can be replayed.`,
            `${target.name}:dlq`,
          );
      });
    }
  },
});

export const mappingRequiredFieldsRule = defineRule({
  id: 'mapping-required-fields',
  title: 'A mapping fills every required field of its target contract, list items included.',
  rationale: 'A missing required field fails every message at run time with a contract violation; the mapping author can see it now.',
  defaultSeverity: 'error',
  kinds: ['Mapping'],
  example: {
    pass: 'rules:\n  - { target: orderNumber, from: SalesOrder }\n  - { target: currency, from: TransactionCurrency }',
    fail: '# order@2 requires currency; no rule targets it',
  },
  evaluate: ({ documents, head, report }) => {
    for (const doc of documents) {
      // A chain's steps make its target; each step is checked as a Mapping of its own.
      if (doc.spec.steps !== undefined) continue;
      const to = head.resolve('DataContract', doc.spec.to);
      if (!to.ok) continue;
      const root = to.target.spec.schema;
      checkLevel(doc, doc.spec.rules ?? [], root, root, ['spec', 'rules'], '', to.target, report);
    }
  },
});

function checkLevel(
  mapping: SpecDocument<'Mapping'>,
  rules: readonly MappingRule[],
  schema: unknown,
  root: unknown,
  at: (string | number)[],
  prefix: string,
  contract: SpecDocument<'DataContract'>,
  report: RuleContext['report'],
): void {
  const targets = new Set(rules.map((r) => String(r.target).split('.')[0]!.replace(/\[\]$/, '')));
  for (const field of requiredOf(schema, root)) {
    if (targets.has(field)) continue;
    const property = propertyOf(schema, field, root);
    if (property && Object.hasOwn(property, 'default')) continue;
    report(
      mapping,
      at.length > 2 ? at : ['spec', 'rules'],
      `required field \`${prefix}${field}\` of ${contract.name}@${contract.major} is not mapped`,
      `Add a rule \`{target: ${field}, from: ...}\` (or \`value:\`/\`expr:\`).`,
      `${prefix}${field}`,
    );
  }
  rules.forEach((rule, i) => {
    if (!Array.isArray(rule.rules)) return;
    const list = propertyOf(schema, String(rule.target), root);
    const items = deref(list?.items, root);
    if (items) checkLevel(mapping, rule.rules, items, root, [...at, i, 'rules'], `${prefix}${rule.target}[].`, contract, report);
  });
}

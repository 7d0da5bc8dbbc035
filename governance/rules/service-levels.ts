import { defineRule } from '../rule.ts';

export const sloRequiredRule = defineRule({
  id: 'slo-required',
  title: 'Every route that touches a System of the given types (default: an ERP) declares a service-level objective.',
  rationale:
    'Orders, invoices and stock move through the ERP: when they stop or slow down, the business notices before the integration team does unless the route says what "on time" means — `spec.slo` becomes the alert that pages the owner (docs/observability.md). Off by default; a Policy turns it on.',
  defaultSeverity: 'off',
  kinds: ['EventRoute'],
  params: {
    systemTypes: {
      description: 'The System types (`spec.type`) whose routes need an SLO, as source or as target.',
      default: ['erp'],
      schema: { type: 'array', items: { type: 'string' }, minItems: 1 },
    },
  },
  example: {
    pass: 'spec:\n  source: { system: legacy-erp, event: Order.Booked, contract: order@2 }\n  slo:\n    latency: { threshold: 5m, objective: 99% }',
    fail: 'spec:\n  source: { system: legacy-erp, event: Order.Booked, contract: order@2 }   # no slo',
  },
  evaluate: ({ documents, head, params, report }) => {
    const types = new Set(params.systemTypes as string[]);
    const matches = (name: string | undefined) =>
      name !== undefined && head.named('System', name).some((system) => types.has(system.spec.type));
    for (const doc of documents) {
      if (doc.spec.slo) continue;
      const touched = [doc.spec.source.system, ...doc.spec.targets.map((t) => t.system)].filter(matches);
      if (touched.length === 0) continue;
      report(
        doc,
        ['spec'],
        `route ${doc.name} touches ${[...new Set(touched)].join(', ')} (${[...types].join('/')}) but declares no SLO`,
        'Add `slo: { latency: { threshold: 5m, objective: 99% }, deadLetters: { objective: 99.9% } }` under `spec`: what "on time" means for this flow.',
      );
    }
  },
});

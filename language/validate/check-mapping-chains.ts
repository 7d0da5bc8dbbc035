import type { PathSegment } from '../diagnostics/diagnostic.ts';
import type { EstateIndex, SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

/**
 * Mapping chains and fan-out, where they meet other documents:
 *
 * - A chain (`spec.steps: [a-to-b, b-to-c]`) is declared once and agrees end to end: every step is a
 *   Mapping with rules (chains do not nest), the first reads the chain's `from`, each next one reads
 *   what the one before makes (B's contract must match), and the last makes the chain's `to`. A
 *   Mapping has `rules` or `steps`, not both. Errors are at the step's line.
 * - A fan-out mapping (`spec.each`) makes several messages from one: an API operation answers with
 *   one and a view keeps one record per key, so neither can use one; and the split stage of a
 *   fan-out target (`<target>-fanout`) must not take another target's name.
 * - A mapping that enriches (`spec.enrich`) runs on a route target, where the worker makes its calls:
 *   not as a chain step, an API operation's mapping, nor the mapping that feeds an API's view.
 */
export function checkMappingChains(index: EstateIndex, report: Reporter): void {
  const shown = (doc: SpecDocument) => (doc.major === undefined ? doc.name : `${doc.name}@${doc.major}`);
  const contract = (reference: unknown) => {
    if (typeof reference !== 'string') return undefined;
    const r = index.resolve('DataContract', reference);
    return r.ok ? r.target : undefined;
  };
  for (const doc of index.ofKind('Mapping')) {
    if (doc.failedSchema) continue;
    const spec = doc.spec;
    const hasRules = Array.isArray(spec.rules);
    if (spec.steps === undefined) {
      if (!hasRules)
        report.add(
          doc,
          'schema-required',
          ['spec'],
          'missing `spec.rules`: a Mapping makes its target with `rules`, or chains other mappings with `steps`',
          'Add `rules:` (one per target field), or `steps: [a-to-b, b-to-c]` to apply mappings in order.',
          { key: true },
        );
      continue;
    }
    if (hasRules)
      report.add(
        doc,
        'mapping-rule-invalid',
        ['spec', 'rules'],
        'a chain (`steps`) has no `rules`: its steps make the target',
        'Move the rules into a Mapping of their own and add it as a step, or drop `steps`.',
        { key: true },
      );
    if (spec.each !== undefined)
      report.add(
        doc,
        'mapping-rule-invalid',
        ['spec', 'each'],
        'a chain (`steps`) has no `each`: a step that fans out makes the chain fan out',
        'Put `each` on the step that makes several messages.',
        { key: true },
      );
    // What the chain carries so far: its `from`, then each step's `to`.
    let carried = contract(spec.from);
    let before: string | undefined;
    for (const [i, name] of spec.steps.entries()) {
      const at: PathSegment[] = ['spec', 'steps', i];
      const resolved = index.resolve('Mapping', name);
      if (!resolved.ok) {
        report.add(doc, resolved.reason === 'ambiguous' ? 'ref-ambiguous' : 'ref-unresolved', at, resolved.message, resolved.hint);
        carried = undefined;
        before = name;
        continue;
      }
      const step = resolved.target;
      if (step === doc || Array.isArray(step.spec.steps)) {
        report.add(
          doc,
          step === doc ? 'ref-cycle' : 'mapping-rule-invalid',
          at,
          step === doc ? `mapping "${doc.name}" is a step of itself` : `step "${step.name}" is a chain itself; chains do not nest`,
          step === doc ? 'Name the mappings the chain applies, in order.' : `List the steps of "${step.name}" here instead.`,
        );
        carried = undefined;
        before = name;
        continue;
      }
      if (step.spec.enrich !== undefined)
        report.add(
          doc,
          'mapping-rule-invalid',
          at,
          `step "${step.name}" enriches (\`spec.enrich\`); a chain's steps do not call Systems`,
          `Use "${step.name}" on its own on the route target, or move the enrichment to a mapping that is no step of a chain.`,
        );
      const reads = contract(step.spec.from);
      if (carried && reads && carried !== reads)
        report.add(
          doc,
          'mapping-mismatch',
          at,
          before === undefined
            ? `step "${step.name}" reads ${shown(reads)}, but the chain reads ${shown(carried)} (\`from\`)`
            : `step "${step.name}" reads ${shown(reads)}, but "${before}" before it makes ${shown(carried)}`,
          before === undefined
            ? `Start the chain with a mapping from ${shown(carried)}, or change the chain's \`from\`.`
            : `Chain a mapping from ${shown(carried)} here, or put a step between them that makes ${shown(reads)}.`,
        );
      carried = contract(step.spec.to);
      before = step.name;
    }
    const makes = contract(spec.to);
    if (carried && makes && carried !== makes)
      report.add(
        doc,
        'mapping-mismatch',
        ['spec', 'to'],
        `the chain's last step "${before}" makes ${shown(carried)}, but the chain says it makes ${shown(makes)}`,
        `Write \`to: ${shown(carried)}\`, or end the chain with a mapping to ${shown(makes)}.`,
      );
  }
  for (const api of index.ofKind('Api')) {
    api.spec.operations.forEach((operation, i) => {
      const name = operation.backend?.mapping;
      const resolved = typeof name === 'string' ? index.resolve('Mapping', name) : undefined;
      if (resolved?.ok && fansOut(resolved.target, index))
        report.add(
          api,
          'mapping-mismatch',
          ['spec', 'operations', i, 'backend', 'mapping'],
          `mapping "${name}" fans out (it makes several messages from one), but an operation answers with one`,
          'Use a mapping without `each` here; fan-out belongs on route targets.',
        );
      // The worker resolves enrichments for route targets only (runtime/delivery/enrichment.ts).
      if (resolved?.ok && resolved.target.spec.enrich !== undefined)
        report.add(
          api,
          'mapping-mismatch',
          ['spec', 'operations', i, 'backend', 'mapping'],
          `mapping "${name}" enriches (\`spec.enrich\`), which only route targets do`,
          'Use a mapping without `enrich` here, or call the System as the backend.',
        );
      // A view keeps one record per key, made by the route target's mapping to the response contract.
      const viewRoute = operation.backend?.view?.route;
      const route = typeof viewRoute === 'string' ? index.resolve('EventRoute', viewRoute) : undefined;
      const response = contract(operation.response?.contract);
      if (!route?.ok || !response || contract(route.target.spec.source?.contract) === response) return;
      for (const target of route.target.spec.targets ?? []) {
        const mapping = typeof target.mapping === 'string' ? index.resolve('Mapping', target.mapping) : undefined;
        if (mapping?.ok && contract(mapping.target.spec.to) === response && fansOut(mapping.target, index))
          report.add(
            api,
            'mapping-mismatch',
            ['spec', 'operations', i, 'backend', 'view', 'route'],
            `the view is made by mapping "${mapping.target.name}" of route ${viewRoute}, which fans out; a view keeps one ${identity(response)} per key`,
            'Feed the view from a route whose events are the response contract, or by a mapping without `each`.',
          );
        // The view feeder maps events as they come, without the worker's enrichment calls.
        if (mapping?.ok && contract(mapping.target.spec.to) === response && mapping.target.spec.enrich !== undefined)
          report.add(
            api,
            'mapping-mismatch',
            ['spec', 'operations', i, 'backend', 'view', 'route'],
            `the view is made by mapping "${mapping.target.name}" of route ${viewRoute}, which enriches (\`spec.enrich\`); a view is fed without System calls`,
            'Feed the view from a route whose events are the response contract, or by a mapping without `enrich`.',
          );
      }
    });
  }
  // The split stage of a fan-out target is named `<target>-fanout` (runtime/delivery/fan-out.ts).
  for (const route of index.ofKind('EventRoute')) {
    const names = new Set((route.spec.targets ?? []).map((t) => t.name));
    (route.spec.targets ?? []).forEach((target, i) => {
      const mapping = typeof target.mapping === 'string' ? index.resolve('Mapping', target.mapping) : undefined;
      if (mapping?.ok && fansOut(mapping.target, index) && names.has(`${target.name}-fanout`))
        report.add(
          route,
          'duplicate-entry',
          ['spec', 'targets', i, 'name'],
          `target "${target.name}" fans out, and its split stage is named "${target.name}-fanout" — the name of another target of this route`,
          `Rename target "${target.name}-fanout".`,
        );
    });
  }
}

function identity(doc: SpecDocument): string {
  return doc.major === undefined ? doc.name : `${doc.name}@${doc.major}`;
}

/** Does the mapping make several messages from one (`each`, or a chain with such a step)? */
function fansOut(mapping: SpecDocument<'Mapping'>, index: EstateIndex): boolean {
  if (mapping.spec.each !== undefined) return true;
  return (mapping.spec.steps ?? []).some((name) => {
    const step = index.resolve('Mapping', name);
    return step.ok && step.target.spec.each !== undefined;
  });
}

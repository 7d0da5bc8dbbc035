import type { PathSegment } from '../diagnostics/diagnostic.ts';
import { isKindName, KIND_NAMES, VERSIONED_KINDS } from '../kinds/registry.ts';
import type { KindName } from '../kinds/registry.ts';
import type { EstateIndex, SpecDocument } from './estate-index.ts';
import { identityOf } from './estate-index.ts';
import type { Reporter } from './report.ts';
import { workflowContractReferences } from '../workflow/workflow-steps.ts';

/**
 * Every reference resolves to exactly one document of the right kind, and what references say agrees:
 * a route's mapping starts from the route's source contract, an API's mapping ends at its response
 * contract, and a contract delivered to a system is one the system speaks.
 */
export function checkReferences(index: EstateIndex, report: Reporter): void {
  const resolve = <K extends KindName>(
    doc: SpecDocument,
    kind: K,
    reference: unknown,
    path: PathSegment[],
  ): SpecDocument<K> | undefined => {
    if (typeof reference !== 'string') return undefined;
    const result = index.resolve(kind, reference);
    // A target that failed its schema is reported where it is; the reference itself is fine.
    if (result.ok) return result.target.failedSchema ? undefined : result.target;
    if (result.reason === 'unresolved' && result.candidates.length === 0) {
      // The name exists, but as another kind: say so rather than "does not exist".
      const name = reference.split('@')[0]!;
      const elsewhere = KIND_NAMES.filter((other) => other !== kind && index.named(other, name).length > 0);
      if (elsewhere.length > 0) {
        report.add(
          doc,
          'ref-wrong-kind',
          path,
          `"${name}" is a ${elsewhere.join(' and a ')}, not a ${kind}`,
          `This field takes a ${kind}. Point it at one, or move the reference to the field that takes a ${elsewhere[0]}.`,
        );
        return undefined;
      }
    }
    const code = result.reason === 'ambiguous' ? 'ref-ambiguous' : result.reason === 'malformed' ? 'invalid-reference' : 'ref-unresolved';
    report.add(doc, code, path, result.message, result.hint);
    return undefined;
  };
  const same = (a: SpecDocument | undefined, b: SpecDocument | undefined) => !a || !b || a === b;
  const shown = (doc: SpecDocument) => (doc.major === undefined ? doc.name : `${doc.name}@${doc.major}`);

  for (const doc of index.documents) {
    switch (doc.kind) {
      case 'DataContract': {
        const spec = doc.spec;
        resolve(doc, 'System', spec.system, ['spec', 'system']);
        const successor = resolve(doc, 'DataContract', spec.deprecation?.successor, ['spec', 'deprecation', 'successor']);
        if (successor === doc) {
          report.add(
            doc,
            'ref-cycle',
            ['spec', 'deprecation', 'successor'],
            `${identityOf(doc)} names itself as its successor`,
            'Name the next major, e.g. `' + `${doc.name}@${(doc.major ?? 0) + 1}` + '`.',
          );
        }
        break;
      }
      case 'System':
        (doc.spec.contracts ?? []).forEach((ref: unknown, i: number) => {
          resolve(doc, 'DataContract', ref, ['spec', 'contracts', i]);
        });
        break;
      case 'Mapping': {
        const spec = doc.spec;
        resolve(doc, 'DataContract', spec.from, ['spec', 'from']);
        resolve(doc, 'DataContract', spec.to, ['spec', 'to']);
        for (const [name, lookup] of Object.entries(spec.enrich ?? {})) {
          if (!lookup) continue;
          const system = resolve(doc, 'System', lookup.system, ['spec', 'enrich', name, 'system']);
          resolve(doc, 'DataContract', lookup.contract, ['spec', 'enrich', name, 'contract']);
          // The worker calls it with the System's HTTP client: a file or EDI System has no GET by key.
          if (system && system.spec.endpoint.protocol !== 'http')
            report.add(
              doc,
              'ref-wrong-kind',
              ['spec', 'enrich', name, 'system'],
              `enrich ${name}: System ${system.name} speaks ${system.spec.endpoint.protocol}, and an enrichment is an HTTP GET`,
              'Point `system` at a System with an `http` endpoint, or read the data from a route instead.',
            );
        }
        break;
      }
      case 'EventRoute': {
        const spec = doc.spec;
        const sourceSystem = resolve(doc, 'System', spec.source.system, ['spec', 'source', 'system']);
        const sourceContract = resolve(doc, 'DataContract', spec.source.contract, ['spec', 'source', 'contract']);
        if (spec.source.system === undefined && spec.source.topic === undefined) {
          report.add(
            doc,
            'schema-required',
            ['spec', 'source'],
            'the route has no source: give `system` and `event`, or `topic`',
            "Add `system:` and `event:` for a system event, or `topic:` to consume another route's output.",
          );
        } else if (spec.source.system !== undefined && spec.source.topic !== undefined) {
          report.add(
            doc,
            'schema-violation',
            ['spec', 'source', 'topic'],
            'the source has both `system` and `topic`; a route consumes one of them',
            'Remove one; split the route in two if both must be consumed.',
          );
        } else if (spec.source.system !== undefined && spec.source.event === undefined) {
          report.add(
            doc,
            'schema-required',
            ['spec', 'source', 'event'],
            'missing `spec.source.event`: which event of the system starts this route',
            'Add the event name, e.g. `event: SalesOrder.Created`.',
          );
        }
        if (sourceSystem && sourceContract) expectSpoken(doc, sourceSystem, sourceContract, ['spec', 'source', 'contract'], report);
        spec.targets.forEach((target, i) => {
          const at = (...rest: PathSegment[]) => ['spec', 'targets', i, ...rest];
          const system = resolve(doc, 'System', target.system, at('system'));
          const mapping = resolve(doc, 'Mapping', target.mapping, at('mapping'));
          const declared = resolve(doc, 'DataContract', target.contract, at('contract'));
          if ((target.system === undefined) === (target.topic === undefined)) {
            report.add(
              doc,
              'schema-required',
              at(),
              `target "${target.name}" needs exactly one of \`system\` or \`topic\``,
              'Deliver to a system (`system:`) or publish to a topic (`topic:`).',
            );
          }
          let delivered = declared ?? sourceContract;
          if (mapping) {
            const from = index.resolve('DataContract', mapping.spec.from);
            const to = index.resolve('DataContract', mapping.spec.to);
            if (from.ok && sourceContract && !same(from.target, sourceContract)) {
              report.add(
                doc,
                'mapping-mismatch',
                at('mapping'),
                `mapping "${mapping.name}" reads ${shown(from.target)}, but the route's events are ${shown(sourceContract)}`,
                `Use a mapping from ${shown(sourceContract)}, or change the route's source contract.`,
              );
            }
            if (to.ok && declared && !same(to.target, declared)) {
              report.add(
                doc,
                'mapping-mismatch',
                at('contract'),
                `target "${target.name}" declares ${shown(declared)}, but mapping "${mapping.name}" produces ${shown(to.target)}`,
                "Make the target contract and the mapping's `to` agree (or drop `contract:`; it defaults to the mapping's `to`).",
              );
            }
            if (to.ok) delivered = declared ?? to.target;
          } else if (declared && sourceContract && !same(declared, sourceContract)) {
            report.add(
              doc,
              'mapping-mismatch',
              at('contract'),
              `target "${target.name}" delivers ${shown(declared)} but the route carries ${shown(sourceContract)} and has no mapping`,
              `Add a mapping from ${shown(sourceContract)} to ${shown(declared)}.`,
            );
          }
          // A mapping that failed its schema produces something unknown: nothing to compare with the system.
          const mappingUnknown = !mapping && failedSchema(index, 'Mapping', target.mapping);
          if (system && delivered && !mappingUnknown) expectSpoken(doc, system, delivered, at(mapping ? 'mapping' : 'system'), report);
        });
        break;
      }
      case 'Api': {
        const spec = doc.spec;
        spec.operations.forEach((operation, i) => {
          const at = (...rest: PathSegment[]) => ['spec', 'operations', i, ...rest];
          resolve(doc, 'DataContract', operation.request, at('request'));
          const response = resolve(doc, 'DataContract', operation.response?.contract, at('response', 'contract'));
          const backend = operation.backend;
          if (!backend) return;
          resolve(doc, 'System', backend.system, at('backend', 'system'));
          const mapping = resolve(doc, 'Mapping', backend.mapping, at('backend', 'mapping'));
          const route = resolve(doc, 'EventRoute', backend.view?.route, at('backend', 'view', 'route'));
          if (backend.view && backend.system) {
            report.add(
              doc,
              'schema-violation',
              at('backend'),
              'the backend has both `system` and `view`; an operation reads one of them',
              'Keep `view` to answer from events, or `system` to call the system.',
            );
          }
          if (mapping && response) {
            const to = index.resolve('DataContract', mapping.spec.to);
            if (to.ok && to.target !== response) {
              report.add(
                doc,
                'mapping-mismatch',
                at('backend', 'mapping'),
                `mapping "${mapping.name}" produces ${shown(to.target)}, but operation "${operation.id}" responds with ${shown(response)}`,
                `Use a mapping to ${shown(response)}, or change the response contract.`,
              );
            }
          }
          if (route && response) {
            const carried = routeContracts(index, route);
            if (carried.length > 0 && !carried.includes(response)) {
              report.add(
                doc,
                'mapping-mismatch',
                at('backend', 'view', 'route'),
                `route "${route.name}" carries ${carried.map(shown).join(', ')}, none of which is the response contract ${shown(response)}`,
                'Feed the view from a route that delivers the response contract.',
              );
            }
          }
        });
        resolve(doc, 'Api', spec.deprecation?.successor, ['spec', 'deprecation', 'successor']);
        break;
      }
      case 'Workflow': {
        const spec = doc.spec;
        for (const [reference, path] of workflowContractReferences(spec)) resolve(doc, 'DataContract', reference, path);
        resolve(doc, 'Api', spec.trigger.api?.api, ['spec', 'trigger', 'api', 'api']);
        spec.steps.forEach((step, i) => {
          const at = (...rest: PathSegment[]) => ['spec', 'steps', i, 'call', ...rest];
          const system = resolve(doc, 'System', step.call?.system, at('system'));
          const use = step.call?.mapping;
          if (!use) return;
          if (step.call!.request !== undefined) {
            report.add(
              doc,
              'workflow-call-invalid',
              at('mapping'),
              `step "${step.id}" has both \`request\` and \`mapping\`: its request body is made one way`,
              'Remove `request` to send what the mapping makes (override a few fields with `mapping.merge`), or remove `mapping`.',
              { key: true },
            );
          }
          const mapping = resolve(doc, 'Mapping', use.name, at('mapping', 'name'));
          if (!mapping) return;
          // A call sends one body, built in the workflow: no fan-out, no HTTP lookups while building it.
          if (mapping.spec.each !== undefined || Object.keys(mapping.spec.enrich ?? {}).length > 0) {
            const fanOut = mapping.spec.each !== undefined;
            report.add(
              doc,
              'workflow-call-invalid',
              at('mapping', 'name'),
              fanOut
                ? `mapping "${mapping.name}" fans out (\`each: ${mapping.spec.each}\`): it makes many messages, and a call sends one request`
                : `mapping "${mapping.name}" enriches from other Systems (\`enrich\`); a call's request is built without HTTP lookups`,
              fanOut
                ? 'Use a mapping without `each`, or loop with a `forEach` step whose body calls once per item.'
                : 'Call the System it looks up in an earlier step and read the answer from the state, or use a mapping without `enrich`.',
            );
            return;
          }
          const to = index.resolve('DataContract', mapping.spec.to);
          if (system && to.ok) expectSpoken(doc, system, to.target, at('mapping', 'name'), report);
        });
        break;
      }
      case 'Policy':
        (doc.spec.waivers ?? []).forEach((waiver, i) => {
          if (typeof waiver.target !== 'string') return;
          const match = /^([A-Za-z]+)\/([a-z0-9-]+(@\S+)?)$/.exec(waiver.target);
          const kind = match?.[1] as KindName | undefined;
          if (!match || !kind || !isKindName(kind)) {
            report.add(
              doc,
              'invalid-reference',
              ['spec', 'waivers', i, 'target'],
              `waiver target "${waiver.target}" is not \`Kind/name\``,
              'Write e.g. `DataContract/order@2` or `System/legacy-erp`.',
            );
            return;
          }
          const ref = match[2]!;
          resolve(doc, kind, VERSIONED_KINDS.has(kind) ? (ref.includes('@') ? ref : `${ref}@>=0.0.0`) : ref, [
            'spec',
            'waivers',
            i,
            'target',
          ]);
        });
        break;
    }
  }
}

/** True when the reference resolves to a document that failed its schema (and so has no readable spec). */
function failedSchema(index: EstateIndex, kind: KindName, reference: unknown): boolean {
  const result = index.resolve(kind, reference);
  return result.ok && result.target.failedSchema === true;
}

/** The contracts a route carries: its source contract and what each target delivers. */
export function routeContracts(index: EstateIndex, route: SpecDocument<'EventRoute'>): SpecDocument<'DataContract'>[] {
  const found = new Set<SpecDocument<'DataContract'>>();
  const source = index.resolve('DataContract', route.spec.source?.contract ?? '');
  if (source.ok) found.add(source.target);
  for (const target of route.spec.targets ?? []) {
    if (typeof target.contract === 'string') {
      const r = index.resolve('DataContract', target.contract);
      if (r.ok) found.add(r.target);
    } else if (typeof target.mapping === 'string') {
      const mapping = index.resolve('Mapping', target.mapping);
      if (mapping.ok) {
        const to = index.resolve('DataContract', mapping.target.spec.to);
        if (to.ok) found.add(to.target);
      }
    }
  }
  return [...found];
}

function expectSpoken(
  doc: SpecDocument,
  system: SpecDocument<'System'>,
  contract: SpecDocument<'DataContract'>,
  path: PathSegment[],
  report: Reporter,
): void {
  const spoken = system.spec.contracts;
  if (!spoken || spoken.length === 0) return;
  const speaks = spoken.some((ref) => {
    const at = ref.indexOf('@');
    return ref.slice(0, at) === contract.name && (ref.slice(at + 1) === String(contract.major) || !/^\d+$/.test(ref.slice(at + 1)));
  });
  if (!speaks) {
    report.add(
      doc,
      'mapping-mismatch',
      path,
      `system "${system.name}" does not speak ${contract.name}@${contract.major}; it lists ${spoken.join(', ')}`,
      `Map to one of the system's contracts, or add \`${contract.name}@${contract.major}\` to the system's \`contracts\`.`,
    );
  }
}

/**
 * What a Workflow must agree on with the rest of the estate (references themselves resolve in
 * check-references.ts): its input contract, the state fields it writes, the Systems it calls speak
 * http, an api trigger's path exists, and the topics it starts from and waits on are published by
 * something.
 */
import { didYouMean } from '../../lib/did-you-mean.ts';
import { schemaHasField } from '../schema/schema-walk.ts';
import type { EstateIndex } from '../validate/estate-index.ts';
import type { Reporter } from '../validate/report.ts';

export function checkWorkflowsAgainstEstate(index: EstateIndex, report: Reporter): void {
  const workflows = index.ofKind('Workflow');
  if (workflows.length === 0) return;
  const published = new Set<string>();
  for (const route of index.ofKind('EventRoute')) for (const t of route.spec.targets ?? []) if (t.topic) published.add(t.topic);
  for (const wf of workflows) for (const step of wf.spec.steps) if (step.publish) published.add(step.publish.topic);

  for (const doc of workflows) {
    const spec = doc.spec;
    const topic = (name: string, path: (string | number)[], what: string) => {
      if (published.has(name)) return;
      const guess = didYouMean(name, published);
      report.add(
        doc,
        'workflow-unknown-topic',
        path,
        `${what} topic "${name}", which no route or workflow publishes`,
        guess ? `Did you mean "${guess}"?` : 'Publish to it from a route target (`topic:`) or a workflow `publish` step, or fix the name.',
      );
    };
    if (spec.trigger.event) topic(spec.trigger.event.topic, ['spec', 'trigger', 'event', 'topic'], 'the workflow starts from');

    if (spec.input === undefined && !spec.trigger.event) {
      report.add(
        doc,
        'workflow-input',
        ['spec', 'trigger'],
        'the workflow has no input contract',
        'An api or schedule trigger needs `input:` (the contract of the request body, or of `{}` for a schedule).',
      );
    } else if (spec.input !== undefined && spec.trigger.event) {
      const a = index.resolve('DataContract', spec.input);
      const b = index.resolve('DataContract', spec.trigger.event.contract);
      if (a.ok && b.ok && a.target !== b.target) {
        report.add(
          doc,
          'workflow-input',
          ['spec', 'input'],
          `the input is ${spec.input} but the triggering event is ${spec.trigger.event.contract}`,
          'An event-triggered workflow gets the event as its input: remove `input:` or make it the event contract.',
        );
      }
    }

    if (spec.trigger.api) {
      const api = index.resolve('Api', spec.trigger.api.api);
      const path = spec.trigger.api.path;
      if (api.ok && !api.target.failedSchema && !api.target.spec.operations.some((o) => o.path === path)) {
        const guess = didYouMean(
          path,
          api.target.spec.operations.map((o) => o.path),
        );
        report.add(
          doc,
          'workflow-call-invalid',
          ['spec', 'trigger', 'api', 'path'],
          `${spec.trigger.api.api} has no operation at "${path}"`,
          guess ? `Did you mean "${guess}"?` : 'Name the path of one of its operations.',
        );
      }
    }

    const state = spec.state ? index.resolve('DataContract', spec.state) : undefined;
    const stateSchema = state?.ok && !state.target.failedSchema ? state.target.spec.schema : undefined;
    const stateField = (field: string, path: (string | number)[]) => {
      if (!spec.state) {
        report.add(
          doc,
          'workflow-state-field',
          path,
          `the workflow writes state field "${field}" but has no state contract`,
          'Add `state:` naming a DataContract with this field, so expressions that read it are type-checked.',
        );
      } else if (stateSchema !== undefined && !schemaHasField(stateSchema, field)) {
        report.add(
          doc,
          'workflow-state-field',
          path,
          `state contract ${spec.state} has no field "${field}"`,
          'Add the field to the state contract, or write to one it has.',
        );
      }
    };

    spec.steps.forEach((step, i) => {
      const at = (...rest: (string | number)[]) => ['spec', 'steps', i, ...rest];
      if (step.call) {
        const system = index.resolve('System', step.call.system);
        if (system.ok && !system.target.failedSchema && system.target.spec.endpoint.protocol !== 'http') {
          report.add(
            doc,
            'workflow-call-invalid',
            at('call', 'system'),
            `System ${step.call.system} has a ${system.target.spec.endpoint.protocol} endpoint; a workflow calls Systems over http`,
            'Call a System with `endpoint.protocol: http`, or `publish` an event that a route delivers to this System.',
          );
        }
        if (step.call.into !== undefined) stateField(step.call.into, at('call', 'into'));
      }
      if (step.wait) {
        topic(step.wait.topic, at('wait', 'topic'), `step "${step.id}" waits on`);
        if (step.wait.into !== undefined) stateField(step.wait.into, at('wait', 'into'));
      }
      if (step.humanTask?.into !== undefined) stateField(step.humanTask.into, at('humanTask', 'into'));
      if (step.forEach?.into !== undefined) stateField(step.forEach.into, at('forEach', 'into'));
      for (const field of Object.keys(step.set ?? {})) stateField(field, at('set', field));
    });
  }
}

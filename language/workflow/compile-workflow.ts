/**
 * A validated Workflow document → its IR (workflow-ir.ts): plain data, durations in milliseconds,
 * contract references pinned to `name@major`, defaults filled in, every expression replaced by its id
 * in the generated program (workflow-steps.ts names them). Pure: the same document gives the same IR.
 */
import { parseDuration } from '../../lib/duration.ts';
import { locate } from '../diagnostics/locate.ts';
import type { Step } from '../kinds/generated/kinds.ts';
import type { EstateIndex, SpecDocument } from '../validate/estate-index.ts';
import { identityOf } from '../validate/estate-index.ts';
import type { RetryIR, WorkflowIR, WorkflowStepIR, WorkflowTriggerIR } from './workflow-ir.ts';
import { NO_REQUEST, nextOf, startOf } from './workflow-steps.ts';

/** Defaults documented in the schema: a call is tried 3 times, 1s then up to 1m apart, 30s per attempt. */
export const DEFAULT_RETRY: RetryIR = { maxAttempts: 3, initialIntervalMs: 1000, maxIntervalMs: 60_000 };
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** Milliseconds of a duration the schema admitted (so it parses); a refusal here is a bug, not a user mistake. */
function ms(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new Error(`compileWorkflow: ${parsed.reason}`);
  return parsed.ms;
}

/** `order@2` for a reference that resolves; the reference as written otherwise (validation reported it). */
function pinned(index: EstateIndex, reference: string): string {
  const resolution = index.resolve('DataContract', reference);
  return resolution.ok ? `${resolution.target.name}@${resolution.target.major}` : reference;
}

export function compileWorkflow(doc: SpecDocument<'Workflow'>, index: EstateIndex): WorkflowIR {
  const spec = doc.spec;
  const contract = (reference: string) => pinned(index, reference);
  const steps: Record<string, WorkflowStepIR> = {};
  // A compensation runs as a flow from its step (the engines follow `next`): it never falls through
  // into the step written below it, only goes where an explicit `next` says.
  const compensations = new Set(spec.steps.flatMap((s) => (s.compensate !== undefined ? [s.compensate] : [])));
  spec.steps.forEach((step, i) => {
    const next = compensations.has(step.id) ? step.next : nextOf(spec.steps, i);
    steps[step.id] = compileStep(step, next, doc, i, index, contract);
  });
  const trigger: WorkflowTriggerIR = spec.trigger.event
    ? { kind: 'event', topic: spec.trigger.event.topic, contract: contract(spec.trigger.event.contract) }
    : spec.trigger.api
      ? { kind: 'api', api: apiIdentity(index, spec.trigger.api.api), path: spec.trigger.api.path }
      : {
          kind: 'schedule',
          cron: spec.trigger.schedule!.cron,
          ...(spec.trigger.schedule!.timeZone ? { timeZone: spec.trigger.schedule!.timeZone } : {}),
        };
  const input = spec.input ?? spec.trigger.event?.contract;
  return {
    name: doc.name,
    version: spec.version,
    trigger,
    input: input === undefined ? '' : contract(input),
    ...(spec.state ? { state: contract(spec.state) } : {}),
    key: 'key',
    start: startOf(spec)!,
    steps,
    owners: spec.owner ? [spec.owner] : [],
  };
}

function apiIdentity(index: EstateIndex, reference: string): string {
  const resolution = index.resolve('Api', reference);
  return resolution.ok ? identityOf(resolution.target).replace(/^Api\//, '') : reference;
}

function compileStep(
  step: Step,
  next: string | undefined,
  doc: SpecDocument<'Workflow'>,
  index: number,
  estate: EstateIndex,
  contract: (reference: string) => string,
): WorkflowStepIR {
  const base = {
    id: step.id,
    at: { file: doc.source.file, line: lineOf(doc, index) },
    ...(next !== undefined ? { next } : {}),
    ...(step.compensate !== undefined ? { compensate: step.compensate } : {}),
  };
  const expr = (name: string) => `${step.id}.${name}`;
  if (step.call) {
    const call = step.call;
    const system = estate.resolve('System', call.system);
    const systemTimeout = system.ok ? system.target.spec.limits?.timeout : undefined;
    return {
      ...base,
      type: 'call',
      system: call.system,
      operation: `${call.method} ${call.path}`,
      // A mapping call's request function is the mapping composed with its `from` and `merge` (workflow-module.ts).
      request: call.request !== undefined || call.mapping !== undefined ? expr('request') : NO_REQUEST,
      ...(call.response !== undefined ? { response: contract(call.response) } : {}),
      ...(call.into !== undefined ? { resultInto: call.into } : {}),
      timeoutMs: call.timeout !== undefined ? ms(call.timeout) : systemTimeout !== undefined ? ms(systemTimeout) : DEFAULT_CALL_TIMEOUT_MS,
      retry: {
        maxAttempts: call.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
        initialIntervalMs: call.retry?.initialInterval !== undefined ? ms(call.retry.initialInterval) : DEFAULT_RETRY.initialIntervalMs,
        maxIntervalMs: call.retry?.maxInterval !== undefined ? ms(call.retry.maxInterval) : DEFAULT_RETRY.maxIntervalMs,
      },
      ...(call.onError !== undefined ? { onError: call.onError } : {}),
    };
  }
  if (step.publish) {
    return { ...base, type: 'publish', topic: step.publish.topic, contract: contract(step.publish.contract), event: expr('event') };
  }
  if (step.wait) {
    const wait = step.wait;
    return {
      ...base,
      type: 'wait',
      topic: wait.topic,
      contract: contract(wait.contract),
      correlate: expr('correlate'),
      ...(wait.match !== undefined ? { match: expr('match') } : {}),
      timeoutMs: ms(wait.timeout),
      onTimeout: wait.onTimeout,
      ...(wait.into !== undefined ? { resultInto: wait.into } : {}),
    };
  }
  if (step.set) {
    return { ...base, type: 'set', assign: Object.fromEntries(Object.keys(step.set).map((field) => [field, expr(`set.${field}`)])) };
  }
  if (step.branch) {
    return {
      ...base,
      type: 'branch',
      choices: step.branch.choices.map((choice, i) => ({ when: expr(`when.${i}`), next: choice.next })),
      otherwise: step.branch.otherwise,
    };
  }
  if (step.forEach) {
    const loop = step.forEach;
    return {
      ...base,
      type: 'forEach',
      items: expr('items'),
      as: loop.as,
      do: loop.do,
      concurrency: loop.concurrency ?? 1,
      ...(loop.into !== undefined ? { resultInto: loop.into } : {}),
    };
  }
  if (step.parallel) return { ...base, type: 'parallel', branches: [...step.parallel.branches] };
  if (step.humanTask) {
    const task = step.humanTask;
    return {
      ...base,
      type: 'humanTask',
      title: expr('title'),
      assignee: task.assignee,
      dueMs: ms(task.due),
      onApprove: task.onApprove,
      onReject: task.onReject,
      onTimeout: task.onTimeout,
      ...(task.into !== undefined ? { resultInto: task.into } : {}),
    };
  }
  if (step.end) {
    return { ...base, type: 'end', status: step.end.status, ...(step.end.reason !== undefined ? { reason: expr('reason') } : {}) };
  }
  throw new Error(`compileWorkflow: step "${step.id}" has no action (validation reports it)`);
}

/** Line of step `index` in its file. */
function lineOf(doc: SpecDocument<'Workflow'>, index: number): number {
  return locate(doc.source, ['spec', 'steps', index]).start.line;
}

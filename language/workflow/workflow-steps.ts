/**
 * Reading a Workflow spec's steps as a graph and its CEL expressions as a list: the one place that knows
 * which field of a step leads where and which field is an expression, so validation, the compiler to
 * the IR and the expression generator agree.
 */
import type { Step, Workflow } from '../kinds/generated/kinds.ts';
import type { PathSegment } from '../diagnostics/diagnostic.ts';
import type { ExprRef } from './workflow-ir.ts';

export type WorkflowSpec = Workflow['spec'];

export const STEP_ACTIONS = ['call', 'publish', 'wait', 'set', 'branch', 'forEach', 'parallel', 'humanTask', 'end'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** The actions a step declares (exactly one in a valid step). */
export function actionsOf(step: Step): StepAction[] {
  return STEP_ACTIONS.filter((action) => step[action] !== undefined);
}

/** Actions whose outcome chooses the next step: they take no `next` and never fall through. */
const CHOOSES_NEXT: ReadonlySet<StepAction> = new Set(['branch', 'humanTask', 'end']);

/** A reference from one step to another, with the field that makes it (for diagnostics). */
export interface StepEdge {
  from: string;
  to: string;
  /** Path of the field inside the step (`['wait', 'onTimeout']`). */
  field: PathSegment[];
  /**
   * `flow`: control passes there in the same flow. `subflow`: the start of a forEach body or a parallel
   * branch (control returns to this step's `next` when it ends). `compensate`: run only to undo.
   */
  role: 'flow' | 'subflow' | 'compensate';
}

/** Where control goes after `step` when it completes normally: its `next`, else the step below it, if it may fall through. */
export function nextOf(steps: readonly Step[], index: number): string | undefined {
  const step = steps[index]!;
  const [action] = actionsOf(step);
  if (action && CHOOSES_NEXT.has(action)) return undefined;
  return step.next ?? steps[index + 1]?.id;
}

/** True when a step continues to a following step but has none (the last in the list without `next`). */
export function fallsOffTheEnd(steps: readonly Step[], index: number): boolean {
  const step = steps[index]!;
  const [action] = actionsOf(step);
  return action !== undefined && !CHOOSES_NEXT.has(action) && step.next === undefined && index === steps.length - 1;
}

/** Every reference a step makes to another step. */
export function edgesOf(steps: readonly Step[], index: number): StepEdge[] {
  const step = steps[index]!;
  const from = step.id;
  const edges: StepEdge[] = [];
  const add = (to: string | undefined, field: PathSegment[], role: StepEdge['role'] = 'flow') => {
    if (typeof to === 'string') edges.push({ from, to, field, role });
  };
  add(nextOf(steps, index), step.next !== undefined ? ['next'] : ['id']);
  add(step.compensate, ['compensate'], 'compensate');
  add(step.call?.onError, ['call', 'onError']);
  add(step.wait?.onTimeout, ['wait', 'onTimeout']);
  step.branch?.choices.forEach((choice, i) => {
    add(choice.next, ['branch', 'choices', i, 'next']);
  });
  add(step.branch?.otherwise, ['branch', 'otherwise']);
  add(step.forEach?.do, ['forEach', 'do'], 'subflow');
  step.parallel?.branches.forEach((start, i) => {
    add(start, ['parallel', 'branches', i], 'subflow');
  });
  if (step.humanTask) {
    add(step.humanTask.onApprove, ['humanTask', 'onApprove']);
    add(step.humanTask.onReject, ['humanTask', 'onReject']);
    add(step.humanTask.onTimeout, ['humanTask', 'onTimeout']);
  }
  return edges;
}

/** Every contract a workflow names, with where: input, state, trigger, and the contracts of its steps. */
export function workflowContractReferences(spec: WorkflowSpec): [string, PathSegment[]][] {
  const out: [string, PathSegment[]][] = [];
  if (spec.trigger.event) out.push([spec.trigger.event.contract, ['spec', 'trigger', 'event', 'contract']]);
  if (spec.input !== undefined) out.push([spec.input, ['spec', 'input']]);
  if (spec.state !== undefined) out.push([spec.state, ['spec', 'state']]);
  spec.steps.forEach((step, i) => {
    if (step.call?.response !== undefined) out.push([step.call.response, ['spec', 'steps', i, 'call', 'response']]);
    if (step.publish) out.push([step.publish.contract, ['spec', 'steps', i, 'publish', 'contract']]);
    if (step.wait) out.push([step.wait.contract, ['spec', 'steps', i, 'wait', 'contract']]);
  });
  return out;
}

/** The step the workflow starts at. */
export function startOf(spec: WorkflowSpec): string | undefined {
  return spec.start ?? spec.steps[0]?.id;
}

/** One CEL expression of a workflow: its id in the generated program, where it is written, what it reads. */
export interface WorkflowExpression {
  id: ExprRef;
  text: string;
  /** Path in the document (`['spec', 'steps', 3, 'call', 'request']`). */
  path: PathSegment[];
  /** Step it belongs to (absent for the business key). */
  step?: string;
  /** What the value must be: checked against a contract, a boolean, a string, a list, or anything. */
  expects:
    | { kind: 'contract'; contract: string }
    | { kind: 'stateField'; field: string }
    | { kind: 'boolean' }
    | { kind: 'string' }
    | { kind: 'list' }
    | { kind: 'any' }
    /** A call's `mapping.from`: the named Mapping's `from` contract. */
    | { kind: 'mappingSource'; mapping: string }
    /** A call's `mapping.merge`: a merge patch of the named Mapping's `to` contract. */
    | { kind: 'mappingPatch'; mapping: string };
  /** Expressions over an incoming event (`wait.correlate`) read `event` instead of the workflow scope. */
  readsEvent?: { contract: string };
}

/**
 * Every CEL expression of a workflow, in document order. A `call` without `request` gets none; a call
 * with `mapping` gets its `from` (written, or the default `input` at `mapping.name`) and its `merge`,
 * which the generator composes with the mapping into the call's request function.
 */
export function expressionsOf(spec: WorkflowSpec): WorkflowExpression[] {
  const out: WorkflowExpression[] = [];
  if (typeof spec.key === 'string') out.push({ id: 'key', text: spec.key, path: ['spec', 'key'], expects: { kind: 'string' } });
  spec.steps.forEach((step, index) => {
    const at = (...rest: PathSegment[]): PathSegment[] => ['spec', 'steps', index, ...rest];
    const add = (
      name: string,
      text: string | undefined,
      path: PathSegment[],
      expects: WorkflowExpression['expects'],
      readsEvent?: { contract: string },
    ) => {
      if (typeof text !== 'string') return;
      out.push({ id: `${step.id}.${name}`, text, path, step: step.id, expects, ...(readsEvent ? { readsEvent } : {}) });
    };
    add('request', step.call?.request, at('call', 'request'), { kind: 'any' });
    const mapping = step.call?.mapping;
    if (mapping) {
      const from = mapping.from ?? MAPPING_DEFAULT_FROM;
      const fromPath = mapping.from !== undefined ? at('call', 'mapping', 'from') : at('call', 'mapping', 'name');
      add(MAPPING_FROM, from, fromPath, { kind: 'mappingSource', mapping: mapping.name });
      add(MAPPING_MERGE, mapping.merge, at('call', 'mapping', 'merge'), { kind: 'mappingPatch', mapping: mapping.name });
    }
    if (step.publish) add('event', step.publish.event, at('publish', 'event'), { kind: 'contract', contract: step.publish.contract });
    if (step.wait) add('correlate', step.wait.correlate, at('wait', 'correlate'), { kind: 'string' }, { contract: step.wait.contract });
    if (step.wait) add('match', step.wait.match, at('wait', 'match'), { kind: 'string' });
    for (const [field, text] of Object.entries(step.set ?? {})) add(`set.${field}`, text, at('set', field), { kind: 'stateField', field });
    step.branch?.choices.forEach((choice, i) => {
      add(`when.${i}`, choice.when, at('branch', 'choices', i, 'when'), { kind: 'boolean' });
    });
    add('items', step.forEach?.items, at('forEach', 'items'), { kind: 'list' });
    add('title', step.humanTask?.title, at('humanTask', 'title'), { kind: 'string' });
    add('reason', step.end?.reason, at('end', 'reason'), { kind: 'string' });
  });
  return out;
}

/** Names (after `<step>.`) of a mapping call's expressions: what the mapping reads, what is merged onto its output. */
export const MAPPING_FROM = 'mapping.from';
export const MAPPING_MERGE = 'mapping.merge';
/** What a call's mapping reads when the step does not say: the workflow's input. */
const MAPPING_DEFAULT_FROM = 'input';

/** Id of the expression that makes a call's request body; a call without `request` or `mapping` sends none. */
export const NO_REQUEST: ExprRef = '$none';
/**
 * The loop variables in scope at each step: a step inside a forEach body (reachable from its `do`
 * without leaving through an `end`) reads the body's `as` name.
 */
export function loopVariablesByStep(steps: readonly Step[]): Map<string, string[]> {
  const byId = new Map(steps.map((s, i) => [s.id, i] as const));
  const result = new Map<string, string[]>(steps.map((s) => [s.id, []]));
  steps.forEach((step) => {
    if (!step.forEach) return;
    const seen = new Set<string>();
    const stack = [step.forEach.do];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id) || !byId.has(id)) continue;
      seen.add(id);
      const vars = result.get(id)!;
      if (!vars.includes(step.forEach.as)) vars.push(step.forEach.as);
      for (const edge of edgesOf(steps, byId.get(id)!)) if (edge.role !== 'compensate') stack.push(edge.to);
    }
  });
  return result;
}

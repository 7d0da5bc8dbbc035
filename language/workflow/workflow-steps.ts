/**
 * Reading a Workflow spec's steps as a graph and its CEL expressions as a list: the one place that knows
 * which field of a step leads where and which field is an expression, so validation, the compiler to
 * the IR and the expression generator agree.
 */
import type { Step, Workflow } from '../kinds/generated/kinds.ts';
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

/** Where control goes after `step` when it completes normally: its `next`, else the step below it, if it may fall through. */
export function nextOf(steps: readonly Step[], index: number): string | undefined {
  const step = steps[index]!;
  const [action] = actionsOf(step);
  if (action && CHOOSES_NEXT.has(action)) return undefined;
  return step.next ?? steps[index + 1]?.id;
}

/** The step the workflow starts at. */
export function startOf(spec: WorkflowSpec): string | undefined {
  return spec.start ?? spec.steps[0]?.id;
}

/** Id of the expression that makes a call's request body; a call without `request` sends none. */
export const NO_REQUEST: ExprRef = '$none';

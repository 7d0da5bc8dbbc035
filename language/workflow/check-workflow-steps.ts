/**
 * The meaning of a Workflow's steps that needs no other document: each step has one action, every step
 * named exists (did-you-mean), every step can run, every flow can end, and no loop spins without a
 * wait or a human task. Each finding points at the field that causes it.
 */
import { didYouMean } from '../../lib/did-you-mean.ts';
import type { SpecDocument } from '../validate/estate-index.ts';
import type { Reporter } from '../validate/report.ts';
import type { StepEdge } from './workflow-steps.ts';
import { STEP_ACTIONS, actionsOf, edgesOf, fallsOffTheEnd, startOf } from './workflow-steps.ts';

export function checkWorkflowSteps(doc: SpecDocument<'Workflow'>, report: Reporter): void {
  const steps = doc.spec.steps;
  const indexOf = new Map<string, number>();
  steps.forEach((step, i) => {
    if (!indexOf.has(step.id)) indexOf.set(step.id, i);
  });
  const at = (i: number, field: StepEdge['field'] = []) => ['spec', 'steps', i, ...field];
  let shapeOk = true;

  steps.forEach((step, i) => {
    const actions = actionsOf(step);
    if (actions.length !== 1) {
      shapeOk = false;
      report.add(
        doc,
        'workflow-step-invalid',
        at(i, ['id']),
        actions.length === 0
          ? `step "${step.id}" has no action`
          : `step "${step.id}" has ${actions.length} actions (${actions.join(', ')})`,
        `Give each step exactly one of: ${STEP_ACTIONS.join(', ')}. Split the work into one step per action.`,
      );
    } else if (step.next !== undefined && ['branch', 'humanTask', 'end'].includes(actions[0]!)) {
      report.add(
        doc,
        'workflow-step-invalid',
        at(i, ['next']),
        `step "${step.id}" is a ${actions[0]}, which chooses its next step itself: \`next\` is ignored`,
        actions[0] === 'end'
          ? 'Remove `next`: an end step ends its flow.'
          : `Remove \`next\`; say where each outcome goes in the ${actions[0]}.`,
        { key: true },
      );
    }
  });

  const ids = [...indexOf.keys()];
  const unknown = (to: string, path: (string | number)[], what: string) => {
    const guess = didYouMean(to, ids);
    report.add(
      doc,
      'workflow-unknown-step',
      path,
      `${what} names step "${to}", which the workflow does not have`,
      guess ? `Did you mean "${guess}"?` : `Name one of the steps: ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? ', …' : ''}.`,
    );
  };
  const start = startOf(doc.spec);
  if (doc.spec.start !== undefined && !indexOf.has(doc.spec.start)) unknown(doc.spec.start, ['spec', 'start'], '`start`');
  const edges = steps.flatMap((_, i) => edgesOf(steps, i).map((edge) => ({ ...edge, index: i })));
  let edgesOk = true;
  for (const edge of edges) {
    if (indexOf.has(edge.to)) continue;
    edgesOk = false;
    unknown(edge.to, at(edge.index, edge.field), `step "${edge.from}"`);
  }
  // A compensation is one step run on its own (its `next` is not followed): a call or a publish that undoes.
  const compensations = new Set(edges.filter((e) => e.role === 'compensate').map((e) => e.to));
  for (const edge of edges) {
    if (edge.role !== 'compensate' || !indexOf.has(edge.to)) continue;
    const target = steps[indexOf.get(edge.to)!]!;
    if (target.call === undefined && target.publish === undefined) {
      report.add(
        doc,
        'workflow-step-invalid',
        at(edge.index, edge.field),
        `step "${edge.from}" is compensated by "${edge.to}", which is not a call or a publish`,
        'A compensation is one step that undoes an effect: a `call` (cancel the order) or a `publish` (announce the cancellation).',
      );
    }
  }
  steps.forEach((step, i) => {
    if (fallsOffTheEnd(steps, i) && !compensations.has(step.id)) {
      report.add(
        doc,
        'workflow-no-end',
        at(i, ['id']),
        `step "${step.id}" is the last in the list and has no \`next\`: its flow would fall off the end`,
        'Add `next:` to the step that should follow, or an `end:` step after it.',
      );
    }
  });
  // The graph checks below assume every name resolves and every step has one action.
  if (!shapeOk || !edgesOk || start === undefined || !indexOf.has(start)) return;

  const successors = (id: string, roles: ReadonlySet<StepEdge['role']>) =>
    edges.filter((e) => e.from === id && roles.has(e.role)).map((e) => e.to);
  const reach = (from: string, roles: ReadonlySet<StepEdge['role']>) => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...successors(id, roles));
    }
    return seen;
  };
  const ALL = new Set<StepEdge['role']>(['flow', 'subflow', 'compensate']);
  const FLOW = new Set<StepEdge['role']>(['flow']);

  const reachable = reach(start, ALL);
  steps.forEach((step, i) => {
    if (!reachable.has(step.id) && indexOf.get(step.id) === i) {
      report.add(
        doc,
        'workflow-unreachable-step',
        at(i, ['id']),
        `step "${step.id}" can never run: no step leads to it`,
        'Point a `next`, an outcome, a `do`, a branch or a `compensate` at it, or remove it.',
      );
    }
  });

  // Every flow (the workflow, each forEach body, each parallel branch) must be able to reach an `end`.
  const ends = (from: string) => [...reach(from, FLOW)].some((id) => steps[indexOf.get(id)!]!.end !== undefined);
  if (!ends(start)) {
    report.add(
      doc,
      'workflow-no-end',
      doc.spec.start !== undefined ? ['spec', 'start'] : at(0, ['id']),
      'the workflow can never finish: no `end` step is reachable from its start',
      'Add an `end:` step (status completed, failed, compensated or escalated) and lead to it.',
    );
  }
  for (const edge of edges) {
    if (edge.role !== 'subflow' || ends(edge.to)) continue;
    report.add(
      doc,
      'workflow-no-end',
      at(edge.index, edge.field),
      `the sub-flow starting at "${edge.to}" can never finish: it reaches no \`end\` step`,
      'End each forEach body and parallel branch with an `end:` step (`status: completed` ends the iteration or branch).',
    );
  }

  // A loop must pause somewhere (a wait or a human task); otherwise one execution spins forever.
  const pauses = (id: string) => {
    const step = steps[indexOf.get(id)!]!;
    return step.wait !== undefined || step.humanTask !== undefined;
  };
  const reported = new Set<string>();
  for (const step of steps) {
    if (pauses(step.id) || reported.has(step.id)) continue;
    const cycle = findCycle(step.id, (id) => successors(id, FLOW).filter((to) => !pauses(to)));
    if (!cycle) continue;
    for (const id of cycle) reported.add(id);
    const i = indexOf.get(step.id)!;
    report.add(
      doc,
      'workflow-busy-cycle',
      at(i, ['id']),
      `steps ${cycle.map((id) => `"${id}"`).join(' → ')} → "${cycle[0]}" loop without a wait or a human task`,
      'An execution would spin without pause. Put a `wait` (with a timeout) in the loop, use `retry` on a call instead of a loop, or iterate with `forEach`.',
    );
  }
}

/** A cycle through `from` (the ids in order), or undefined. */
function findCycle(from: string, next: (id: string) => string[]): string[] | undefined {
  const path: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): string[] | undefined => {
    for (const to of next(id)) {
      if (to === from) return [...path, id];
      if (seen.has(to)) continue;
      seen.add(to);
      path.push(id);
      const found = visit(to);
      path.pop();
      if (found) return found;
    }
    return undefined;
  };
  return visit(from);
}

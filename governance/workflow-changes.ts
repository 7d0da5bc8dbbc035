import { isDeepStrictEqual } from 'node:util';
import type { PathSegment } from '../language/diagnostics/diagnostic.ts';
import type { SpecDocument } from '../language/validate/estate-index.ts';
import { actionsOf } from '../language/workflow/workflow-steps.ts';
import type { BreakingChange, ChangeSize } from './breaking-change.ts';

/**
 * What breaks a workflow's executions in flight. An engine replays an execution against the steps it
 * started with and records progress by step id, so within a major a new version may only add: new
 * steps, new outcomes, changed expressions and settings of a step. Removing or renaming a step,
 * changing what kind of step an id is, or changing the trigger, input or business key needs a new
 * major (`name@N+1`), which new executions start on while the old major drains.
 */
export function compareWorkflows(
  before: SpecDocument<'Workflow'>,
  after: SpecDocument<'Workflow'>,
): { breaking: BreakingChange[]; size: ChangeSize } {
  const breaking: BreakingChange[] = [];
  const add = (path: PathSegment[], change: string, message: string) =>
    breaking.push({
      doc: after,
      path,
      change,
      message,
      hint: `Executions in flight replay against the steps they started with. Keep this major as it is and make the change in ${after.name}@${(after.major ?? 0) + 1}.`,
      affects: 'executions',
    });
  const stepsAfter = new Map(after.spec.steps.map((s, i) => [s.id, { step: s, index: i }]));
  for (const old of before.spec.steps) {
    const now = stepsAfter.get(old.id);
    if (!now) {
      add(['spec', 'steps'], 'step-removed', `step "${old.id}" was removed or renamed`);
      continue;
    }
    const [was] = actionsOf(old);
    const [is] = actionsOf(now.step);
    if (was !== is) add(['spec', 'steps', now.index, 'id'], 'step-action-changed', `step "${old.id}" was a ${was} and is now a ${is}`);
  }
  if (!isDeepStrictEqual(before.spec.trigger, after.spec.trigger)) add(['spec', 'trigger'], 'trigger-changed', 'the trigger changed');
  if ((before.spec.input ?? before.spec.trigger.event?.contract) !== (after.spec.input ?? after.spec.trigger.event?.contract)) {
    add(['spec', 'input'], 'input-changed', 'the input contract changed');
  }
  if (before.spec.state !== after.spec.state) add(['spec', 'state'], 'state-changed', 'the state contract changed');
  if (before.spec.key !== after.spec.key)
    add(['spec', 'key'], 'key-changed', 'the business key changed: running executions would no longer correlate');

  const { description: _a, ...restBefore } = before.spec;
  const { description: _b, ...restAfter } = after.spec;
  const size: ChangeSize =
    breaking.length > 0
      ? 'breaking'
      : isDeepStrictEqual(withoutDescriptions(restBefore), withoutDescriptions(restAfter))
        ? 'docs'
        : 'additive';
  return { breaking, size };
}

/** The spec without step descriptions, which change nothing an execution does. */
function withoutDescriptions(spec: Omit<SpecDocument<'Workflow'>['spec'], 'description'>): unknown {
  return { ...spec, version: undefined, steps: spec.steps.map(({ description: _d, ...step }) => step) };
}

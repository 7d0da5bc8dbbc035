import { parseDuration } from '../../lib/duration.ts';
import { identityOf } from '../../language/validate/estate-index.ts';
import { defineRule } from '../rule.ts';

export const workflowWaitTimeoutRule = defineRule({
  id: 'workflow-wait-timeout',
  title: 'Every wait and human task of a workflow has a timeout, none longer than `maxTimeout`.',
  rationale:
    'A workflow that waits without a real deadline for a supplier confirmation or an approval that never comes holds its execution, its state and its business key forever, and nobody is told. A timeout with an `onTimeout` step turns silence into an escalation.',
  defaultSeverity: 'error',
  kinds: ['Workflow'],
  params: {
    maxTimeout: {
      description: 'Longest timeout (wait) or due time (human task) accepted; longer counts as no timeout.',
      default: '720h',
      schema: { type: 'string', pattern: '^[0-9]{1,9}(ms|s|m|h)$' },
    },
  },
  example: {
    pass: 'steps:\n  - id: await-confirmation\n    wait: { topic: po.confirmations, contract: po-confirmation@1, correlate: event.poNumber, timeout: 72h, onTimeout: escalate }',
    fail: 'steps:\n  - id: await-confirmation\n    wait: { topic: po.confirmations, contract: po-confirmation@1, correlate: event.poNumber, timeout: 99999h, onTimeout: escalate }',
  },
  evaluate: ({ documents, params, report }) => {
    const limit = parseDuration(String(params.maxTimeout));
    const maxMs = limit.ok ? limit.ms : Number.POSITIVE_INFINITY;
    for (const doc of documents) {
      doc.spec.steps.forEach((step, i) => {
        const [field, text] = step.wait
          ? (['wait', step.wait.timeout] as const)
          : step.humanTask
            ? (['humanTask', step.humanTask.due] as const)
            : [];
        if (!field) return;
        const key = field === 'wait' ? 'timeout' : 'due';
        const parsed = typeof text === 'string' ? parseDuration(text) : undefined;
        if (!parsed?.ok) {
          report(
            doc,
            ['spec', 'steps', i, field],
            `step "${step.id}" of ${identityOf(doc)} has no ${key}`,
            `Add \`${key}:\` and an \`onTimeout:\` step.`,
          );
        } else if (parsed.ms > maxMs) {
          report(
            doc,
            ['spec', 'steps', i, field, key],
            `step "${step.id}" of ${identityOf(doc)} waits up to ${text}, longer than ${String(params.maxTimeout)}`,
            `Shorten the ${key} and escalate on timeout, or raise \`maxTimeout\` for this rule in a Policy.`,
          );
        }
      });
    }
  },
});

export const humanTaskOwnerRule = defineRule({
  id: 'human-task-owner',
  title: 'Every human task of a workflow names an assignee, and a workflow with human tasks names its owner.',
  rationale:
    'An approval nobody is assigned to is never decided; when it times out, the owner is who operations call. Both must be named before the workflow runs.',
  defaultSeverity: 'error',
  kinds: ['Workflow'],
  example: {
    pass: 'spec:\n  owner: team-supply-planning\n  steps:\n    - id: approve\n      humanTask: { title: "\'Approve\'", assignee: team-buyers, due: 24h, onApprove: a, onReject: b, onTimeout: c }',
    fail: 'spec:\n  # no owner\n  steps:\n    - id: approve\n      humanTask: { title: "\'Approve\'", assignee: " ", due: 24h, onApprove: a, onReject: b, onTimeout: c }',
  },
  evaluate: ({ documents, report }) => {
    for (const doc of documents) {
      const tasks = doc.spec.steps.map((step, i) => ({ step, i })).filter(({ step }) => step.humanTask !== undefined);
      if (tasks.length === 0) continue;
      if (typeof doc.spec.owner !== 'string' || doc.spec.owner.trim() === '') {
        report(
          doc,
          ['spec'],
          `${identityOf(doc)} has human tasks but no owner`,
          'Add `owner: <team-slug or e-mail>` under `spec`: escalations of its tasks go there.',
        );
      }
      for (const { step, i } of tasks) {
        if (step.humanTask!.assignee.trim() !== '') continue;
        report(
          doc,
          ['spec', 'steps', i, 'humanTask', 'assignee'],
          `human task "${step.id}" of ${identityOf(doc)} has no assignee`,
          'Name the team or person who decides: `assignee: team-buyers`.',
        );
      }
    }
  },
});

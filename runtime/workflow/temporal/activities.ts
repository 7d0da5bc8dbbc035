/**
 * The Temporal activity of Interlace workflows: one attempt of an `ActivityRequest` through the shared
 * `ActivityRunner` (the same delivery code the embedded engine uses). Temporal retries by the policy the
 * workflow set from the step (workflow.ts); a failure the runner calls permanent becomes a non-retryable
 * ApplicationFailure whose type is the reason, so Temporal stops retrying at once.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ActivityFailure } from '../context.ts';
import type { ActivityOrigin, ActivityRequest, ActivityRunner } from '../context.ts';
import { ACTIVITY_NAME } from './names.ts';

export function temporalActivities(
  runner: ActivityRunner,
): Record<string, (request: ActivityRequest, origin?: ActivityOrigin) => Promise<unknown>> {
  return {
    async [ACTIVITY_NAME](request: ActivityRequest, origin?: ActivityOrigin): Promise<unknown> {
      const { info, cancellationSignal } = Context.current();
      // An activity scheduled by an Interlace that sent no origin: the execution and call from Temporal's own record.
      const executionId = info.workflowExecution?.workflowId ?? '';
      const from = origin ?? { workflow: executionId.split('/')[0]!, executionId, callId: info.activityId };
      try {
        return await runner.run(request, cancellationSignal, { ...from, attempt: info.attempt });
      } catch (error) {
        if (error instanceof ActivityFailure)
          throw ApplicationFailure.create({ message: error.message, type: error.reason, nonRetryable: !error.retryable });
        throw error;
      }
    },
  };
}

/**
 * The Temporal activity of Interlace workflows: one attempt of an `ActivityRequest` through the shared
 * `ActivityRunner` (the same delivery code the embedded engine uses). Temporal retries by the policy the
 * workflow set from the step (workflow.ts); a failure the runner calls permanent becomes a non-retryable
 * ApplicationFailure whose type is the reason, so Temporal stops retrying at once.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ActivityFailure } from '../context.ts';
import type { ActivityRequest, ActivityRunner } from '../context.ts';
import { ACTIVITY_NAME } from './names.ts';

export function temporalActivities(runner: ActivityRunner): Record<string, (request: ActivityRequest) => Promise<unknown>> {
  return {
    async [ACTIVITY_NAME](request: ActivityRequest): Promise<unknown> {
      try {
        return await runner.run(request, Context.current().cancellationSignal);
      } catch (error) {
        if (error instanceof ActivityFailure)
          throw ApplicationFailure.create({ message: error.message, type: error.reason, nonRetryable: !error.retryable });
        throw error;
      }
    },
  };
}

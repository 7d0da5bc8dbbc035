// The activity runner of the workflow engine contract (test/broker/workflow-contract.ts): the delivery
// code's, calling the contract's test System. Not in workflow-contract-programs.ts: that module is bundled
// into Temporal's workflow sandbox, where the delivery code (node: modules, I/O) has no place.
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { SystemBudgets } from '../../runtime/delivery/system-budget.ts';
import { SystemClient } from '../../runtime/http/system-client.ts';
import type { Tracer } from '../../runtime/observe/trace.ts';
import { deliveryActivityRunner } from '../../runtime/workflow/activities/delivery-activities.ts';
import type { ActivityRunner } from '../../runtime/workflow/context.ts';
import { CONTRACT_SYSTEM } from './workflow-contract-programs.ts';

/** The activity runner of the contract: the delivery code's, with the test System at `systemUrl`, the given backbone and tracer. */
export function contractActivities(systemUrl: string, backbone: Backbone, tracer: Tracer): ActivityRunner {
  const client = new SystemClient(
    CONTRACT_SYSTEM,
    { type: 'other', hosting: 'on-prem', endpoint: { protocol: 'http', url: systemUrl } } as never,
    {},
  );
  return deliveryActivityRunner({
    client: (system) => (system === CONTRACT_SYSTEM ? client : undefined),
    budgets: new SystemBudgets(() => undefined),
    backbone,
    tracer,
  });
}

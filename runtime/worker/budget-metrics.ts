import type { SystemBudget } from '../delivery/system-budget.ts';
import type { Logger } from '../../lib/log.ts';
import type { RuntimeMetrics } from '../observe/metrics.ts';

const STATE_NAMES = ['closed', 'open', 'half-open', 'isolated'];

/**
 * What a worker does with each System budget it creates (SystemBudgets' `onCreate`): the circuit
 * state gauge follows every transition (0 closed, 1 open, 2 half-open, 3 isolated) with a log line,
 * and waits for the rate budget are counted.
 */
export function observeBudgets(metrics: RuntimeMetrics, logger: Logger): (budget: SystemBudget) => void {
  return (budget) => {
    metrics.circuitState.set({ system: budget.system }, budget.state as number);
    budget.breaker.onStateChange((state) => {
      metrics.circuitState.set({ system: budget.system }, state as number);
      logger.warn('circuit state changed', { system: budget.system, state: STATE_NAMES[state as number] });
    });
    budget.onRateWait = () => metrics.rateLimited.inc({ api: '', system: budget.system });
  };
}

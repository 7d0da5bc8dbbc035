import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';

/**
 * A route's `filter` (CEL over `event`), planned once at start. An expression that errors on an
 * event (a missing field without `has()`) does not match: the event is filtered out and logged by
 * the caller, never retried. (The generator may later compile filters into the bundle like mappings.)
 */
export function compileFilter(expression: string): (event: unknown) => boolean {
  const run = plan(celEnv(), parse(expression));
  return (event) => {
    const result = run({ event } as never);
    return !isCelError(result) && result === true;
  };
}

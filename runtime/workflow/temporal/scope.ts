/**
 * The Estate scope of the Temporal engine: what keeps Estates that share a Temporal namespace (one
 * cluster, the `default` namespace — staging and production, or two shops) apart. With a scope every
 * name the engine gives Temporal is `<scope>/<name>`: the task queues its workers poll, the workflow id of
 * every execution (`<scope>/<workflow>@<major>/<key>`) and of every correlation mailbox
 * (`<scope>/<workflow>@<major>/~<topic>/<value>`). Interlace itself keeps the unscoped execution id (the
 * audit trail, idempotency keys, `interlace workflow`, the task API): the scope is added on the way to
 * Temporal and taken off on the way back. Without a scope (`interlace worker` on a laptop) the names are
 * the unscoped ones, as before.
 *
 * The controller sets the scope per Estate (controller/plan/temporal-env.ts) and counts executions by the
 * scoped task queue. No imports: workflow.ts uses it inside Temporal's sandbox.
 */

/**
 * At most 63 characters, letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit:
 * readable in Temporal's UI, safe in a visibility query, and 64 bytes at most of the 1,000 a workflow id
 * and a task queue may have (Temporal's default `limit.maxIDLength`).
 */
const SCOPE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
export const SCOPE_MAX_LENGTH = 63;

/** Why `scope` cannot be one, or undefined when it can. */
export function scopeProblem(scope: string): string | undefined {
  if (SCOPE.test(scope)) return undefined;
  return `Temporal scope ${JSON.stringify(scope.slice(0, 100))} is not 1–${SCOPE_MAX_LENGTH} letters, digits, '.', '_' or '-' starting and ending with a letter or digit`;
}

/** The name Temporal knows `name` (a task queue, an execution id, a mailbox address) by in `scope`. */
export function scopedName(scope: string | undefined, name: string): string {
  return scope === undefined ? name : `${scope}/${name}`;
}

/** The Interlace name of a Temporal workflow id of `scope` (the id itself when it is not of the scope). */
export function unscopedName(scope: string | undefined, temporalName: string): string {
  if (scope === undefined) return temporalName;
  const prefix = `${scope}/`;
  return temporalName.startsWith(prefix) ? temporalName.slice(prefix.length) : temporalName;
}

/**
 * The human-task API of a workflow engine: what a person (or a team's tool) calls to see the open
 * approvals and decide them, instead of signalling the engine. Its routes follow from the workflows'
 * `humanTask` steps — every open task of every workflow, whatever its step — and it works over any
 * `WorkflowEngine` (the embedded one of `interlace run`, Temporal's):
 *
 * - `GET  /workflows/tasks[?assignee=<team>]` → `{ tasks: OpenTask[] }`, oldest first
 * - `POST /workflows/tasks/<execution id, URL-encoded>/approve` with `{ by, comment? }` → 202
 * - `POST /workflows/tasks/<execution id, URL-encoded>/reject`  with `{ by, comment? }` → 202
 *
 * A decision for an execution without an open task (unknown, ended, not at a human task yet, or
 * decided already) is refused (404/409) rather than stored for later, and a malformed one (no `by`) is a
 * 400 that says what is missing: the audit trail records who decided, so the API insists on it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../lib/http-server.ts';
import { sendJson, sendProblem } from '../http/problem.ts';
import { DECISION_SIGNAL, parseDecision } from './context.ts';
import type { WorkflowEngine } from './engine.ts';

/** A human task waiting for a decision. */
export interface OpenTask {
  /** The execution id (`<workflow>@<major>/<key>`): what the decision URL names. */
  readonly execution: string;
  readonly workflow: string;
  readonly key: string;
  readonly step: string;
  readonly callId: string;
  readonly title: string;
  readonly assignee: string;
  /** Ms since the epoch. */
  readonly openedAt: number;
  readonly dueAt: number;
}

export const TASKS_PATH = '/workflows/tasks';
const MAX_DECISION_BYTES = 16 * 1024;

/** The open human tasks of an engine's running executions, oldest first. */
export async function openTasks(engine: WorkflowEngine, assignee?: string): Promise<OpenTask[]> {
  const tasks: OpenTask[] = [];
  for (const { execution, entries } of await engine.humanTaskEntries()) {
    if (execution.status !== 'running') continue;
    // A task is open from `humanTask.opened` until its decision or its deadline (a cancelled execution is not running).
    const decided = new Set(entries.filter((h) => h.type === 'humanTask.decided' || h.type === 'humanTask.timedOut').map((h) => h.callId));
    for (const entry of entries) {
      if (entry.type !== 'humanTask.opened' || entry.callId === undefined) continue;
      if (decided.has(entry.callId)) continue;
      const info = entry.detail ?? {};
      if (assignee !== undefined && info.assignee !== assignee) continue;
      tasks.push({
        execution: execution.id,
        workflow: execution.workflow,
        key: execution.key,
        step: entry.step ?? entry.callId,
        callId: entry.callId,
        title: String(info.title ?? ''),
        assignee: String(info.assignee ?? ''),
        openedAt: entry.at,
        dueAt: Number(info.dueAt ?? 0),
      });
    }
  }
  return tasks.sort((a, b) => a.openedAt - b.openedAt || a.execution.localeCompare(b.execution));
}

/**
 * Serves the task API for `path` (already normalised); false when the path is not its own, so the
 * caller routes on. Answers JSON, and problems as application/problem+json.
 */
export async function serveTaskApi(
  engine: WorkflowEngine,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: string,
): Promise<boolean> {
  if (path !== TASKS_PATH && !path.startsWith(`${TASKS_PATH}/`)) return false;
  if (path === TASKS_PATH) {
    if (req.method !== 'GET') return problem(res, 405, 'Method Not Allowed', `${TASKS_PATH} answers GET`);
    const assignee = new URLSearchParams(search).get('assignee') ?? undefined;
    return json(res, 200, { tasks: await openTasks(engine, assignee) });
  }
  const rest = path.slice(TASKS_PATH.length + 1);
  const slash = rest.lastIndexOf('/');
  const action = rest.slice(slash + 1);
  if (slash <= 0 || (action !== 'approve' && action !== 'reject'))
    return problem(res, 404, 'Not Found', `expected ${TASKS_PATH}/<execution id>/approve or …/reject`);
  if (req.method !== 'POST') return problem(res, 405, 'Method Not Allowed', `a decision is a POST`);
  let execution: string;
  try {
    execution = decodeURIComponent(rest.slice(0, slash));
  } catch {
    return problem(res, 400, 'Bad Request', 'the execution id is not valid percent-encoding');
  }
  const read = await readBody(req, MAX_DECISION_BYTES);
  if (!read.ok) return problem(res, read.failure === 'too-large' ? 413 : 400, 'Bad Request', `the decision body: ${read.failure}`);
  let body: unknown;
  try {
    body = read.body.trim() === '' ? {} : JSON.parse(read.body);
  } catch {
    return problem(res, 400, 'Bad Request', 'the decision body is not JSON: send { "by": "<who>", "comment": "<why>" }');
  }
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const decision = parseDecision({ ...fields, decision: action });
  if (typeof decision === 'string') return problem(res, 400, 'Bad Request', decision);
  const detail = await engine.show(execution);
  if (!detail) return problem(res, 404, 'Not Found', `no workflow execution ${execution}`);
  if (detail.status !== 'running') return problem(res, 409, 'Conflict', `execution ${execution} has ended (${detail.status})`);
  const open = (await openTasks(engine)).find((t) => t.execution === execution);
  if (!open) return problem(res, 409, 'Conflict', `execution ${execution} has no open human task (decided already, or not there yet)`);
  await engine.signal(execution, DECISION_SIGNAL, decision);
  return json(res, 202, { execution, step: open.step, decision: decision.decision, by: decision.by });
}

function json(res: ServerResponse, status: number, value: unknown): true {
  sendJson(res, status, value);
  return true;
}

function problem(res: ServerResponse, status: number, title: string, detail: string): true {
  sendProblem(res, { title, status, detail });
  return true;
}

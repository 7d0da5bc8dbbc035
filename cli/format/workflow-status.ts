/**
 * How `interlace workflow list|show` prints executions: where each one is (status, current step, what
 * it waits for until when) and, for `show`, the whole audit trail with times.
 */
import { activeSteps } from '../../runtime/workflow/engine.ts';
import type { ExecutionDetail } from '../../runtime/workflow/engine.ts';
import { displayStatus } from '../../runtime/run/run-workflows.ts';

/**
 * The step visits an execution is in: the engine's active steps without their parents (a `forEach`
 * is open while its iteration's step runs: the iteration's step is the current one).
 */
export function currentSteps(execution: ExecutionDetail): string[] {
  const ids = [...(execution.activeSteps ?? activeSteps(execution.history))];
  return ids.filter((id) => !ids.some((other) => other !== id && other.startsWith(id) && /^[[{/]/.test(other.slice(id.length))));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `in 4m 10s` / `2m ago`: how far a deadline is from now. */
export function relative(ms: number, now: number): string {
  const delta = Math.round((ms - now) / 1000);
  const abs = Math.abs(delta);
  const text =
    abs >= 3600
      ? `${Math.floor(abs / 3600)}h ${Math.floor((abs % 3600) / 60)}m`
      : abs >= 60
        ? `${Math.floor(abs / 60)}m ${abs % 60}s`
        : `${abs}s`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

function waitsText(execution: ExecutionDetail, now: number): string {
  return (execution.waits ?? []).map((w) => `${w.callId} until ${iso(w.dueAt)} (${relative(w.dueAt, now)})`).join('; ');
}

/** One line per execution: id, status, current step, waits with deadlines (or why it ended), start time. */
export function formatExecutionList(executions: readonly ExecutionDetail[], now: number): string {
  if (executions.length === 0) return 'no workflow executions\n';
  const idWidth = Math.min(60, Math.max(...executions.map((e) => e.id.length)));
  const rows = executions.map((e) => {
    const status = displayStatus(e);
    const where =
      e.status === 'running'
        ? `at ${currentSteps(e).join(', ') || '-'}${e.waits?.length ? `  waits ${waitsText(e, now)}` : ''}`
        : `${e.reason ?? ''}`;
    return `${e.id.padEnd(idWidth)}  ${status.padEnd(11)}  started ${iso(e.startedAt)}  ${where}`.trimEnd();
  });
  const byStatus = new Map<string, number>();
  for (const e of executions) byStatus.set(displayStatus(e), (byStatus.get(displayStatus(e)) ?? 0) + 1);
  const totals = [...byStatus].map(([status, n]) => `${n} ${status}`).join(', ');
  return `${rows.join('\n')}\n${executions.length} execution(s): ${totals}\n`;
}

function detailText(detail: Readonly<Record<string, unknown>> | undefined): string {
  if (!detail || Object.keys(detail).length === 0) return '';
  const text = JSON.stringify(detail);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** The execution's header (status, where it is, waits, input, state) and its whole history, oldest first, with times. */
export function formatExecutionDetail(execution: ExecutionDetail, now: number): string {
  const lines = [
    `${execution.id}  ${displayStatus(execution)}`,
    `  workflow ${execution.workflow}, key ${execution.key}`,
    `  started ${iso(execution.startedAt)}${execution.endedAt !== undefined ? `, ended ${iso(execution.endedAt)}` : ''}`,
  ];
  if (execution.reason) lines.push(`  reason: ${execution.reason}`);
  if (execution.status === 'running') {
    lines.push(`  current step: ${currentSteps(execution).join(', ') || '-'}`);
    for (const w of execution.waits ?? []) lines.push(`  waits: ${w.callId} until ${iso(w.dueAt)} (${relative(w.dueAt, now)})`);
  }
  lines.push(`  input: ${JSON.stringify(execution.input)}`);
  if (execution.state) lines.push(`  state: ${JSON.stringify(execution.state)}`);
  lines.push(`  history (${execution.history.length} entries):`);
  const width = Math.max(0, ...execution.history.map((h) => h.type.length));
  for (const h of execution.history) {
    const offset = ((h.at - execution.startedAt) / 1000).toFixed(3);
    lines.push(
      `    ${iso(h.at)}  ${`+${offset}s`.padEnd(10)} ${h.type.padEnd(width)}  ${h.callId ?? h.step ?? ''}  ${detailText(h.detail)}`.trimEnd(),
    );
  }
  return `${lines.join('\n')}\n`;
}

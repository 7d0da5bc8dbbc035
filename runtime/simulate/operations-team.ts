/**
 * The people of a local run: a simulated team that works its queue of workflow human tasks through
 * the run's task API (`GET /workflows/tasks?assignee=…`, `POST …/approve|reject` on the gateway,
 * runtime/workflow/task-api.ts) — the way a planner's tool would, never by signalling the engine.
 * It looks at its queue every `pollMs` (500 ms: each look reads every running execution's audit trail,
 * and a run settles only after 1.5 s without work, so a task is seen well before), and decides in a fixed pattern, so a run's outcome is
 * predictable however the tasks interleave: of the tasks it takes, in the order it takes them, every
 * third is rejected and every second waits `timing.decisionMs` before the decision (a person who
 * looks into it first); the rest are decided at once.
 */
import { later } from './system.ts';
import type { SimContext } from './system.ts';

/** A decision the team made and the task API accepted. */
export interface TeamDecision {
  readonly execution: string;
  readonly decision: 'approve' | 'reject';
  readonly by: string;
  /** Ms from first seeing the task to deciding it. */
  readonly afterMs: number;
}

interface TaskView {
  execution: string;
  title: string;
}

export class OperationsTeam {
  /** Decisions accepted by the task API, in the order they were made. */
  readonly decisions: TeamDecision[] = [];
  /** Decisions the task API refused (a task decided or ended meanwhile), by execution. */
  readonly refused = new Map<string, string>();
  readonly assignee: string;
  readonly #people: readonly [string, string];
  readonly #rejectComment: string;
  readonly #ctx: SimContext;
  readonly #pollMs: number;
  /** Executions whose task the team has taken and not yet decided. */
  readonly #inHand = new Set<string>();
  /**
   * Executions the team has decided: their task can still look open for a moment (the engine records
   * the decision when the execution takes it), and a person does not decide a task twice.
   */
  readonly #done = new Set<string>();
  #taken = 0;
  #timer: NodeJS.Timeout | undefined;
  #url: string | undefined;
  #stopped = false;

  /** `people`: the two who decide (alternately); `rejectComment`: what they say when they reject. */
  constructor(ctx: SimContext, assignee: string, people: readonly [string, string], rejectComment: string, pollMs = 500) {
    this.#ctx = ctx;
    this.assignee = assignee;
    this.#people = people;
    this.#rejectComment = rejectComment;
    this.#pollMs = pollMs;
  }

  /** Starts working the queue of the task API at `gatewayUrl` (the run's gateway). */
  start(gatewayUrl: string): void {
    this.#url = gatewayUrl;
    this.#stopped = false;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /**
   * Tasks in hand (taken, not yet decided). A task the team has not seen yet is not counted here: the
   * run asks the engine for the open tasks of `assignee` (EstateRun.settle), so a look at the queue in
   * progress never holds up a run that has nothing to decide.
   */
  pendingWork(): number {
    return this.#inHand.size;
  }

  /** True once the team works a queue (start() was called and stop() was not). */
  get working(): boolean {
    return this.#url !== undefined && !this.#stopped;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#poll(), ms);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    try {
      const answer = await fetch(`${this.#url}/workflows/tasks?assignee=${encodeURIComponent(this.assignee)}`);
      if (answer.ok) {
        const { tasks } = (await answer.json()) as { tasks: TaskView[] };
        for (const task of tasks) if (!this.#inHand.has(task.execution) && !this.#done.has(task.execution)) this.#take(task);
      }
    } catch {
      // The gateway is starting or stopping: look again next time.
    } finally {
      this.#schedule(this.#pollMs);
    }
  }

  #take(task: TaskView): void {
    this.#inHand.add(task.execution);
    const n = ++this.#taken;
    const decision = n % 3 === 0 ? 'reject' : 'approve';
    const delayMs = n % 2 === 0 ? this.#ctx.timing.decisionMs : 0;
    const by = this.#people[n % 2]!;
    const seen = Date.now();
    later(delayMs, () => void this.#decide(task, decision, by, seen));
  }

  async #decide(task: TaskView, decision: 'approve' | 'reject', by: string, seen: number): Promise<void> {
    try {
      const answer = await fetch(`${this.#url}/workflows/tasks/${encodeURIComponent(task.execution)}/${decision}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by, comment: decision === 'reject' ? this.#rejectComment : 'ok' }),
      });
      if (answer.status === 202) this.decisions.push({ execution: task.execution, decision, by, afterMs: Date.now() - seen });
      else this.refused.set(task.execution, `${answer.status} ${await answer.text()}`);
      this.#done.add(task.execution);
      this.#inHand.delete(task.execution);
    } catch {
      // Not answered (the gateway is stopping): the task stays open; the next look takes it again.
      this.#inHand.delete(task.execution);
    }
  }

  state(): Record<string, unknown> {
    return {
      assignee: this.assignee,
      inHand: this.#inHand.size,
      approved: this.decisions.filter((d) => d.decision === 'approve').length,
      rejected: this.decisions.filter((d) => d.decision === 'reject').length,
      refused: this.refused.size,
    };
  }
}

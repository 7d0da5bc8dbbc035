/**
 * The plain-data form of a validated `Workflow` spec: what every engine executes.
 *
 * Why an intermediate form: the same workflow runs on two engines (Temporal in a cluster, the embedded
 * engine of `interlace run`). Both run one interpreter (runtime/workflow/) over this data, so their
 * semantics cannot drift. The IR holds no code: every expression is an `ExprRef`, the id of a pure,
 * type-checked function generated from the spec's CEL (generators/workflows/); spec content never
 * becomes code any other way.
 *
 * Compatibility: histories of running executions replay against this shape, so changes here are
 * additive (new optional fields, new step types), never renames.
 */

/** Id of a generated expression function `(scope: WorkflowScope) => unknown` in the workflow's program. */
export type ExprRef = string;

/** What an expression can read: the trigger's input, the state so far, the current loop item. */
export interface WorkflowScope {
  readonly input: unknown;
  readonly state: Readonly<Record<string, unknown>>;
  /** Loop variables of enclosing `forEach` steps, by their `as` name. */
  readonly items: Readonly<Record<string, unknown>>;
  /** The workflow's business key (e.g. the proposal or order number). */
  readonly key: string;
}

export type WorkflowTriggerIR =
  | { readonly kind: 'event'; readonly topic: string; readonly contract: string }
  | { readonly kind: 'api'; readonly api: string; readonly path: string }
  | { readonly kind: 'schedule'; readonly cron: string; readonly timeZone?: string };

export interface RetryIR {
  readonly maxAttempts: number;
  /** Durations in milliseconds (parsed once by lib/duration.ts at compile time). */
  readonly initialIntervalMs: number;
  readonly maxIntervalMs: number;
}

interface StepBase {
  readonly id: string;
  /** Source position of the step in its YAML file, for history, status and errors at run time. */
  readonly at?: { readonly file: string; readonly line: number };
  /** Next step id; absent on `end` and on steps whose outcome chooses the next step. */
  readonly next?: string;
  /** Step id that undoes this step's effect; run in reverse completion order when the workflow compensates. */
  readonly compensate?: string;
}

/** Call an operation a System declares (an activity: retried, idempotent by workflow id + step id + attempt key). */
export interface CallStepIR extends StepBase {
  readonly type: 'call';
  readonly system: string;
  readonly operation: string;
  readonly request: ExprRef;
  /** Contract ref (`name@major`) the response must satisfy before it goes into `resultInto`. */
  readonly response?: string;
  /** State field that receives the response. */
  readonly resultInto?: string;
  readonly timeoutMs: number;
  readonly retry: RetryIR;
  /** Where to go when the call fails for good (retries exhausted or a non-retryable answer); absent = fail the workflow. */
  readonly onError?: string;
}

/** Publish an event on a topic (an activity; the event id is derived from workflow id + step id, so a retry cannot duplicate it). */
export interface PublishStepIR extends StepBase {
  readonly type: 'publish';
  readonly topic: string;
  readonly contract: string;
  readonly event: ExprRef;
}

/** Wait for an event on a topic whose correlation value equals this workflow's key (or `match`), or time out. */
export interface WaitStepIR extends StepBase {
  readonly type: 'wait';
  readonly topic: string;
  readonly contract: string;
  /** Reads the correlation value out of an incoming event: `(event) => string`. */
  readonly correlate: ExprRef;
  /**
   * The value `correlate` must equal, read from the scope when the wait starts; absent: the workflow's
   * key. Such events are held at the correlation address (`correlationAddress`) until a wait takes them.
   */
  readonly match?: ExprRef;
  readonly timeoutMs: number;
  readonly onTimeout: string;
  readonly resultInto?: string;
}

/** Assign computed values into the state. */
export interface SetStepIR extends StepBase {
  readonly type: 'set';
  readonly assign: Readonly<Record<string, ExprRef>>;
}

export interface BranchStepIR extends StepBase {
  readonly type: 'branch';
  readonly choices: readonly { readonly when: ExprRef; readonly next: string }[];
  readonly otherwise: string;
}

/** Run the sub-flow starting at `do` once per item (sequentially, or up to `concurrency` at a time). */
export interface ForEachStepIR extends StepBase {
  readonly type: 'forEach';
  readonly items: ExprRef;
  readonly as: string;
  readonly do: string;
  readonly concurrency: number;
  /** State field that receives the array of each iteration's final `state[as + 'Result']`, if any. */
  readonly resultInto?: string;
}

/** Run sub-flows concurrently; the step completes when all branches reach their end. */
export interface ParallelStepIR extends StepBase {
  readonly type: 'parallel';
  readonly branches: readonly string[];
}

/** A person approves or rejects through the generated API, before `dueMs` or the step escalates. */
export interface HumanTaskStepIR extends StepBase {
  readonly type: 'humanTask';
  readonly title: ExprRef;
  readonly assignee: string;
  readonly dueMs: number;
  readonly onApprove: string;
  readonly onReject: string;
  readonly onTimeout: string;
  readonly resultInto?: string;
}

/** Terminal: `completed`, `failed`, `compensated` (run compensations, then end), `escalated` (an exception to operations). */
export interface EndStepIR extends StepBase {
  readonly type: 'end';
  readonly status: 'completed' | 'failed' | 'compensated' | 'escalated';
  /** Optional reason shown in history and status. */
  readonly reason?: ExprRef;
}

export type WorkflowStepIR =
  | CallStepIR
  | PublishStepIR
  | WaitStepIR
  | SetStepIR
  | BranchStepIR
  | ForEachStepIR
  | ParallelStepIR
  | HumanTaskStepIR
  | EndStepIR;

export interface WorkflowIR {
  readonly name: string;
  /** Semver of the Workflow spec; the major is part of its identity (`replenishment@1`). */
  readonly version: string;
  readonly trigger: WorkflowTriggerIR;
  /** Contract refs (`name@major`) of the input and of the state. */
  readonly input: string;
  readonly state?: string;
  /** Reads the business key from the input: `(scope) => string`. */
  readonly key: ExprRef;
  readonly start: string;
  readonly steps: Readonly<Record<string, WorkflowStepIR>>;
  /** Owners from the spec, for escalations and status. */
  readonly owners: readonly string[];
}

/** A workflow ready to run: its IR and the generated expression functions it refers to. */
export interface WorkflowProgram {
  readonly ir: WorkflowIR;
  readonly exprs: Readonly<Record<ExprRef, (scope: WorkflowScope, event?: unknown) => unknown>>;
  /**
   * The generated validators of the contracts data enters the workflow by — its input, the events its
   * waits take, the answers its calls keep — by ref (`name@major`). What comes from outside is checked
   * against them at run time (the type check at generate time only holds for data that fits); a
   * program without one for a ref (a hand-built test program) takes that data unchecked.
   */
  readonly contracts?: Readonly<Record<string, ContractValidator>>;
}

/** A generated ajv validator as a program carries it: a guard that leaves its problems on `.errors`. */
export type ContractValidator = ((value: unknown) => boolean) & {
  errors?: readonly { instancePath: string; message?: string }[] | null;
};

/**
 * What is wrong with `value` as `contract` (at most five problems, `path: message`), or undefined when it
 * fits or the program has no validator for that contract.
 */
export function contractProblems(program: WorkflowProgram, contract: string, value: unknown): string | undefined {
  const validate = program.contracts?.[contract];
  if (!validate || validate(value)) return undefined;
  const problems = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
  return `not ${contract}: ${problems.join('; ') || 'invalid'}`;
}

// The hand-written workflow programs of the engine contract suite (test/broker/workflow-contract.ts):
// IR as WF-SPEC's compiler emits it, with plain functions for the expressions. A module of its own, with
// no test framework in it, so the worker processes the suite spawns (and kills) can load the same
// programs. Every call goes to the contract's test System (`CONTRACT_SYSTEM`), whose paths say what
// the step did; `/fail/...` answers 400 (a permanent failure), everything else 200.
import type { RetryIR, WorkflowProgram, WorkflowScope, WorkflowStepIR } from '../../language/workflow/workflow-ir.ts';

export const CONTRACT_SYSTEM = 'contract-system';

const retry: RetryIR = { maxAttempts: 3, initialIntervalMs: 50, maxIntervalMs: 200 };
type Expr = (scope: WorkflowScope, event?: unknown) => unknown;
type StepSpec = { type: WorkflowStepIR['type'] } & Record<string, unknown>;

const orderNo: Expr = (s) => (s.input as { orderNo: string }).orderNo;

/** A program with trigger, contracts and key filled in: the key is `input.orderNo`. */
function program(name: string, start: string, steps: Record<string, StepSpec>, exprs: Record<string, Expr>): WorkflowProgram {
  const withIds = Object.fromEntries(Object.entries(steps).map(([id, step]) => [id, { id, ...step } as unknown as WorkflowStepIR]));
  return {
    ir: {
      name,
      version: '1.0.0',
      trigger: { kind: 'api', api: 'contract@1', path: `/${name}` },
      input: 'contract-input@1',
      key: 'key',
      start,
      steps: withIds,
      owners: ['operations'],
    },
    exprs: { key: orderNo, byOrder: (s) => ({ orderNo: s.key }), ...exprs },
  };
}

/** A call of `POST <path>/{orderNo}` on the test System. */
function call(path: string, extra: Record<string, unknown> = {}): StepSpec {
  return {
    type: 'call',
    system: CONTRACT_SYSTEM,
    operation: `POST ${path}/{orderNo}`,
    request: 'byOrder',
    timeoutMs: 5_000,
    retry,
    ...extra,
  };
}

const end = (status: string, extra: Record<string, unknown> = {}): StepSpec => ({ type: 'end', status, ...extra });

/** `credit@1`, as a generated validator behaves: the test System's answers (`{ok, path, got}`) lack `approved`. */
const creditContract = Object.assign(
  (value: unknown): boolean => {
    const ok = typeof value === 'object' && value !== null && typeof (value as { approved?: unknown }).approved === 'boolean';
    creditContract.errors = ok ? null : [{ instancePath: '', message: "must have required property 'approved'" }];
    return ok;
  },
  { errors: null as { instancePath: string; message?: string }[] | null },
);

/** Long enough never to fire during a test, short enough to be a plausible spec. */
const LONG = 10 * 60_000;

export const PROGRAMS: readonly WorkflowProgram[] = [
  // call → publish → end
  program(
    'contract-order',
    'credit',
    {
      credit: call('/credit', { resultInto: 'credit', next: 'announce' }),
      announce: { type: 'publish', topic: 'contract.orders.accepted', contract: 'order@1', event: 'accepted', next: 'done' },
      done: end('completed'),
    },
    { accepted: (s) => ({ orderNo: s.key, credit: s.state.credit }) },
  ),
  // wait correlated by key; times out after a long time
  program(
    'contract-confirm',
    'confirm',
    {
      confirm: {
        type: 'wait',
        topic: 'contract.confirmations',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        timeoutMs: LONG,
        onTimeout: 'late',
        resultInto: 'confirmation',
        next: 'done',
      },
      late: end('escalated'),
      done: end('completed'),
    },
    { poNumber: (_s, event) => (event as { poNumber?: unknown }).poNumber },
  ),
  // wait correlated by a value the workflow learned (match), not by its key
  program(
    'contract-match',
    'number',
    {
      number: { type: 'set', assign: { poNumber: 'poOf' }, next: 'confirm' },
      confirm: {
        type: 'wait',
        topic: 'contract.po-confirmations',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        match: 'ownPo',
        timeoutMs: LONG,
        onTimeout: 'late',
        resultInto: 'confirmation',
        next: 'done',
      },
      late: end('escalated'),
      done: end('completed'),
    },
    {
      poOf: (s) => `PO-${s.key}`,
      ownPo: (s) => s.state.poNumber,
      poNumber: (_s, event) => (event as { poNumber?: unknown }).poNumber,
    },
  ),
  // a wait that times out quickly → onTimeout
  program(
    'contract-deadline',
    'confirm',
    {
      confirm: {
        type: 'wait',
        topic: 'contract.deadline',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        timeoutMs: 300,
        onTimeout: 'chase',
        next: 'done',
      },
      chase: call('/chase', { next: 'late' }),
      late: end('escalated', { reason: 'lateReason' }),
      done: end('completed'),
    },
    { poNumber: (_s, event) => (event as { poNumber?: unknown }).poNumber, lateReason: () => 'no confirmation in time' },
  ),
  // human task with a long and with a short due time
  ...[
    ['contract-approval', LONG],
    ['contract-approval-due', 300],
  ].map(([name, dueMs]) =>
    program(
      name as string,
      'approve',
      {
        approve: {
          type: 'humanTask',
          title: 'title',
          assignee: 'planner',
          dueMs,
          onApprove: 'order',
          onReject: 'rejected',
          onTimeout: 'escalate',
          resultInto: 'approval',
        },
        order: call('/purchase-orders', { next: 'done' }),
        done: end('completed'),
        rejected: end('failed', { reason: 'rejectedReason' }),
        escalate: end('escalated'),
      },
      { title: (s) => `Approve ${s.key}`, rejectedReason: () => 'rejected by the approver' },
    ),
  ),
  // compensation after a later failure: reserve, charge, then ship fails for good → refund, release
  program(
    'contract-saga',
    'reserve',
    {
      reserve: call('/reserve', { compensate: 'release', next: 'charge' }),
      charge: call('/charge', { compensate: 'refund', next: 'ship' }),
      ship: call('/fail/ship', { next: 'done' }),
      done: end('completed'),
      release: call('/release'),
      refund: call('/refund'),
    },
    {},
  ),
  // `end: compensated`: a handled failure (onError) leads to an end that undoes what was done
  program(
    'contract-undo',
    'reserve',
    {
      reserve: call('/reserve', { compensate: 'release', next: 'charge' }),
      charge: call('/fail/charge', { onError: 'undo', next: 'done' }),
      done: end('completed'),
      undo: end('compensated', { reason: 'why' }),
      release: call('/release'),
    },
    { why: () => 'payment refused' },
  ),
  // a call, then a long wait, then a call: the worker is killed during the wait
  program(
    'contract-kill',
    'before',
    {
      before: call('/before', { next: 'confirm' }),
      confirm: {
        type: 'wait',
        topic: 'contract.kill',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        timeoutMs: LONG,
        onTimeout: 'late',
        next: 'after',
      },
      after: call('/after', { next: 'done' }),
      late: end('escalated'),
      done: end('completed'),
    },
    { poNumber: (_s, event) => (event as { poNumber?: unknown }).poNumber },
  ),
  // two waits at once, in parallel branches, on different topics
  program(
    'contract-both',
    'both',
    {
      both: { type: 'parallel', branches: ['asn', 'invoice'], next: 'done' },
      asn: {
        type: 'wait',
        topic: 'contract.asn',
        contract: 'asn@1',
        correlate: 'poNumber',
        timeoutMs: LONG,
        onTimeout: 'late',
        resultInto: 'asn',
      },
      invoice: {
        type: 'wait',
        topic: 'contract.invoices',
        contract: 'invoice@1',
        correlate: 'poNumber',
        timeoutMs: LONG,
        onTimeout: 'late',
        resultInto: 'invoice',
      },
      late: end('escalated'),
      done: end('completed'),
    },
    { poNumber: (_s, event) => (event as { poNumber?: unknown }).poNumber },
  ),
  // a call that is in flight when the worker is killed, then another call
  program(
    'contract-inflight',
    'slow',
    {
      slow: call('/slow', { next: 'after' }),
      after: call('/after', { next: 'done' }),
      done: end('completed'),
    },
    {},
  ),
  // a timer (wait timeout) that comes due while no worker runs
  program(
    'contract-timer',
    'before',
    {
      before: call('/before', { next: 'confirm' }),
      confirm: {
        type: 'wait',
        topic: 'contract.never',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        timeoutMs: 3_000,
        onTimeout: 'chase',
        next: 'done',
      },
      chase: call('/timed-out', { next: 'late' }),
      late: end('escalated'),
      done: end('completed'),
    },
    { poNumber: (_s, event) => (event as { poNumber?: unknown }).poNumber },
  ),
  // a wait that times out, a call, then a wait on the same topic: an event that comes after the timeout is kept for it
  program(
    'contract-again',
    'first',
    {
      first: {
        type: 'wait',
        topic: 'contract.again',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        timeoutMs: 300,
        onTimeout: 'hold',
        resultInto: 'first',
        next: 'done',
      },
      hold: call('/slow', { next: 'second' }),
      second: {
        type: 'wait',
        topic: 'contract.again',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        timeoutMs: LONG,
        onTimeout: 'late',
        resultInto: 'second',
        next: 'done',
      },
      late: end('escalated'),
      done: end('completed'),
    },
    { poNumber: (_s, event) => (event as { poNumber?: unknown }).poNumber },
  ),
  // the same with match, across executions: `short` ones time out and hold a call, the others wait long on the same address
  program(
    'contract-rematch',
    'route',
    {
      route: { type: 'branch', choices: [{ when: 'isShort', next: 'short' }], otherwise: 'long' },
      short: {
        type: 'wait',
        topic: 'contract.rematch',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        match: 'po',
        timeoutMs: 300,
        onTimeout: 'hold',
        resultInto: 'confirmation',
        next: 'done',
      },
      hold: call('/slow', { next: 'late' }),
      long: {
        type: 'wait',
        topic: 'contract.rematch',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        match: 'po',
        timeoutMs: LONG,
        onTimeout: 'late',
        resultInto: 'confirmation',
        next: 'done',
      },
      late: end('escalated'),
      done: end('completed'),
    },
    {
      isShort: (s) => (s.input as { short?: unknown }).short === true,
      po: (s) => (s.input as { po: string }).po,
      poNumber: (_s, event) => (event as { poNumber?: unknown }).poNumber,
    },
  ),
  // a wait whose timeout comes due together with its event (both while no worker runs), then a second wait on that topic
  program(
    'contract-race',
    'before',
    {
      before: call('/before', { next: 'first' }),
      first: {
        type: 'wait',
        topic: 'contract.race',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        timeoutMs: 3_000,
        onTimeout: 'second',
        resultInto: 'first',
        next: 'done',
      },
      second: {
        type: 'wait',
        topic: 'contract.race',
        contract: 'confirmation@1',
        correlate: 'poNumber',
        timeoutMs: 5_000,
        onTimeout: 'late',
        resultInto: 'second',
        next: 'done',
      },
      late: end('escalated'),
      done: end('completed'),
    },
    { poNumber: (_s, event) => (event as { poNumber?: unknown }).poNumber },
  ),
  // forEach (concurrent and sequential) and parallel
  program(
    'contract-fanout',
    'lines',
    {
      lines: { type: 'forEach', items: 'lineItems', as: 'line', do: 'reserve-line', concurrency: 2, resultInto: 'reserved', next: 'count' },
      'reserve-line': {
        type: 'call',
        system: CONTRACT_SYSTEM,
        operation: 'POST /lines/{sku}',
        request: 'lineRequest',
        timeoutMs: 5_000,
        retry,
        resultInto: 'lineResult',
      },
      count: { type: 'forEach', items: 'lineItems', as: 'item', do: 'add', concurrency: 1, next: 'both' },
      add: { type: 'set', assign: { total: 'addQty' } },
      both: { type: 'parallel', branches: ['notify-erp', 'notify-crm'], next: 'done' },
      'notify-erp': call('/erp', { resultInto: 'erp' }),
      'notify-crm': { type: 'publish', topic: 'contract.fanout.crm', contract: 'order@1', event: 'crmEvent', next: 'crm-noted' },
      'crm-noted': { type: 'set', assign: { crm: 'yes' } },
      done: end('completed'),
    },
    {
      lineItems: (s) => (s.input as { lines: unknown[] }).lines,
      lineRequest: (s) => ({ sku: (s.items.line as { sku: string }).sku, orderNo: s.key }),
      addQty: (s) => ((s.state.total as number | undefined) ?? 0) + (s.items.item as { qty: number }).qty,
      crmEvent: (s) => ({ orderNo: s.key }),
      yes: () => true,
    },
  ),
  // a call whose answer is not its response contract: a final failure into onError; a call that failed
  // registers no compensation, so `end: compensated` afterwards undoes only what completed
  {
    ...program(
      'contract-checked',
      'reserve',
      {
        reserve: call('/reserve', { compensate: 'release', next: 'check' }),
        check: call('/credit', { response: 'credit@1', resultInto: 'credit', compensate: 'undo-check', onError: 'refused', next: 'done' }),
        done: end('completed'),
        refused: end('compensated', { reason: 'why' }),
        release: call('/release'),
        'undo-check': call('/undo-check'),
      },
      { why: () => 'credit answer unusable' },
    ),
    contracts: { 'credit@1': creditContract },
  },
];

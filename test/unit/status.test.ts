// The pure status functions (controller/status/): conditions whose lastTransitionTime moves only on a
// transition, observedGeneration, workload health from a Deployment and its pods, and no credential in
// any message. The cluster tests show them end to end; these pin the rules one by one.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import { deploymentHealth, estateStatus, findCondition, mergeConditions, specStatus, worstHealth } from '../../controller/status/index.ts';
import type { Condition, DeploymentLike, EstateOutcome, PodLike, WorkloadHealth } from '../../controller/status/index.ts';
import { redactCredentialPatterns } from '../../lib/redact.ts';

const T1 = '2026-01-01T10:00:00Z';
const T2 = '2026-01-01T11:00:00Z';
const T3 = '2026-01-01T12:00:00Z';

describe('mergeConditions', () => {
  const ready = (status: Condition['status'], reason = 'ReconciliationSucceeded', message = 'ok') => ({
    type: 'Ready',
    status,
    reason,
    message,
  });

  it('sets the transition time of a new condition to now', () => {
    const [c] = mergeConditions(undefined, [ready('True')], 3, T1);
    expect(c).toEqual({
      type: 'Ready',
      status: 'True',
      reason: 'ReconciliationSucceeded',
      message: 'ok',
      observedGeneration: 3,
      lastTransitionTime: T1,
    });
  });

  it('keeps the transition time while the status stays the same, even when reason and message change', () => {
    const first = mergeConditions(undefined, [ready('False', 'Progressing', 'rolling out')], 1, T1);
    const second = mergeConditions(first, [ready('False', 'HealthCheckFailed', 'crash loop')], 1, T2);
    expect(second[0]).toMatchObject({ status: 'False', reason: 'HealthCheckFailed', message: 'crash loop', lastTransitionTime: T1 });
  });

  it('moves the transition time when the status changes, and only then', () => {
    const first = mergeConditions(undefined, [ready('False', 'Progressing')], 1, T1);
    const flipped = mergeConditions(first, [ready('True')], 1, T2);
    expect(flipped[0]!.lastTransitionTime).toBe(T2);
    const resynced = mergeConditions(flipped, [ready('True')], 1, T3);
    expect(resynced[0]!.lastTransitionTime).toBe(T2);
    expect(resynced).toEqual(flipped);
  });

  it('tracks each condition type on its own, in the desired order, dropping types no longer desired', () => {
    const previous = mergeConditions(
      undefined,
      [ready('False', 'Progressing'), { type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'm' }],
      1,
      T1,
    );
    const next = mergeConditions(
      previous,
      [{ type: 'Stalled', status: 'True', reason: 'ValidationFailed', message: 'm' }, ready('False', 'ValidationFailed')],
      1,
      T2,
    );
    expect(next.map((c) => [c.type, c.lastTransitionTime])).toEqual([
      ['Stalled', T2],
      ['Ready', T1],
    ]);
    expect(findCondition(next, 'Reconciling')).toBeUndefined();
  });

  it('stamps the observed generation, and leaves it out when the object has none', () => {
    const previous = mergeConditions(undefined, [ready('True')], 4, T1);
    expect(mergeConditions(previous, [ready('True')], 5, T2)[0]).toMatchObject({ observedGeneration: 5, lastTransitionTime: T1 });
    expect(mergeConditions(undefined, [ready('True')], undefined, T1)[0]).not.toHaveProperty('observedGeneration');
  });

  it('truncates messages to the API limit', () => {
    const [c] = mergeConditions(undefined, [ready('True', 'R', 'x'.repeat(5000))], 1, T1);
    expect(c!.message).toHaveLength(4096);
    expect(c!.message.endsWith('…')).toBe(true);
  });
});

function deployment(status: DeploymentLike['status'], replicas = 2, generation = 3): DeploymentLike {
  return {
    metadata: { name: 'route-order', generation },
    spec: { replicas, template: { metadata: { annotations: { 'interlace.dev/bundle-hash': 'abc123' } } } },
    status,
  };
}
const complete = { observedGeneration: 3, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 };
function pod(name: string, container: PodLike['status']): PodLike {
  return { metadata: { name }, status: container };
}
const running = (name: string, restartCount = 0): PodLike =>
  pod(name, { phase: 'Running', containerStatuses: [{ name: 'worker', ready: true, restartCount, state: { running: {} } }] });
const crashLooping = (name: string): PodLike =>
  pod(name, {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'worker',
        ready: false,
        restartCount: 5,
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
      },
    ],
  });

describe('deploymentHealth', () => {
  it('is Healthy when the rollout is complete, with the workload summary', () => {
    const h = deploymentHealth(deployment(complete), [running('a', 1), running('b', 2)]);
    expect(h).toMatchObject({ health: 'Healthy', reason: 'RolloutComplete', message: '2 of 2 replicas available' });
    expect(h.workload).toEqual({
      deployment: 'route-order',
      bundleHash: 'abc123',
      replicas: 2,
      readyReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      restarts: 3,
    });
  });

  it('is Progressing while the Deployment controller has not seen the new generation', () => {
    expect(deploymentHealth(deployment({ ...complete, observedGeneration: 2 }), [])).toMatchObject({
      health: 'Progressing',
      reason: 'RolloutInProgress',
    });
  });

  it('is Progressing while fewer replicas are updated than desired, or old ones are left', () => {
    expect(deploymentHealth(deployment({ ...complete, updatedReplicas: 1 }), [])).toMatchObject({
      health: 'Progressing',
      reason: 'RolloutInProgress',
      message: '1 of 2 replicas updated',
    });
    expect(deploymentHealth(deployment({ ...complete, replicas: 3 }), [])).toMatchObject({
      health: 'Progressing',
      reason: 'RolloutInProgress',
      message: '1 old replicas pending termination',
    });
  });

  it('reports unavailable updated replicas as Progressing/ReplicasUnavailable', () => {
    expect(deploymentHealth(deployment({ ...complete, availableReplicas: 1, unavailableReplicas: 1 }), [])).toMatchObject({
      health: 'Progressing',
      reason: 'ReplicasUnavailable',
      message: '1 of 2 updated replicas available',
    });
  });

  it('is Degraded when a pod crash-loops, even while the rollout is still going', () => {
    const h = deploymentHealth(deployment({ ...complete, updatedReplicas: 1, availableReplicas: 1 }), [running('a'), crashLooping('b')]);
    expect(h).toMatchObject({ health: 'Degraded', reason: 'CrashLoopBackOff' });
    expect(h.message).toContain('pod b');
    expect(h.message).toContain('restarted 5 times');
    expect(h.workload.restarts).toBe(5);
  });

  it('is Degraded for image pull failures in init containers, failed pods, a stalled rollout and replica failures', () => {
    const pullFailure = pod('p', {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'ImagePullBackOff' } } }],
    });
    expect(deploymentHealth(deployment(complete), [pullFailure]).reason).toBe('ImagePullBackOff');
    const failed = pod('f', {
      phase: 'Failed',
      containerStatuses: [{ name: 'worker', state: { terminated: { reason: 'Error', exitCode: 2 } } }],
    });
    expect(deploymentHealth(deployment(complete), [failed])).toMatchObject({
      health: 'Degraded',
      reason: 'PodFailed',
      message: 'pod f failed: container worker exited 2 (Error)',
    });
    const stalled = deployment({
      ...complete,
      updatedReplicas: 1,
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet has timed out progressing.' },
      ],
    });
    expect(deploymentHealth(stalled, [])).toMatchObject({ health: 'Degraded', reason: 'ProgressDeadlineExceeded' });
    const quota = deployment({
      ...complete,
      conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota' }],
    });
    expect(deploymentHealth(quota, [])).toMatchObject({ health: 'Degraded', reason: 'FailedCreate', message: 'exceeded quota' });
  });

  it('ignores pods being deleted', () => {
    const leaving = { ...crashLooping('old'), metadata: { name: 'old', deletionTimestamp: T1 } };
    expect(deploymentHealth(deployment(complete), [running('a'), leaving]).health).toBe('Healthy');
  });

  it('ranks health: Degraded > Progressing > Unknown > Suspended > Healthy > None', () => {
    expect(worstHealth([])).toBe('None');
    expect(worstHealth(['Healthy', 'Progressing', 'Healthy'])).toBe('Progressing');
    expect(worstHealth(['Progressing', 'Degraded', 'Healthy'])).toBe('Degraded');
    expect(worstHealth(['Healthy', 'Suspended'])).toBe('Suspended');
  });
});

describe('specStatus', () => {
  const object = { metadata: { generation: 7, annotations: { 'interlace.dev/revision': 'main@sha1:abc' } } };
  const workload = (pods: PodLike[], status = complete): WorkloadHealth => deploymentHealth(deployment(status), pods);
  const condition = (s: { conditions: Condition[] }, type: string) => findCondition(s.conditions, type);

  it('is Ready, Synced and Healthy with NoWorkload when nothing runs for the object', () => {
    const s = specStatus({ object, now: T1 });
    expect(s).toMatchObject({ health: 'None', observedGeneration: 7, lastAppliedRevision: 'main@sha1:abc', message: 'Applied' });
    expect(s.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      'Ready=True/ReconciliationSucceeded',
      'Synced=True/Applied',
      'Healthy=True/NoWorkload',
    ]);
    expect(s.conditions.every((c) => c.observedGeneration === 7)).toBe(true);
  });

  it('is never Ready while its pods crash-loop', () => {
    const s = specStatus({ object, workload: workload([crashLooping('b')]), now: T1 });
    expect(s.health).toBe('Degraded');
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'HealthCheckFailed' });
    expect(condition(s, 'Healthy')).toMatchObject({ status: 'False', reason: 'CrashLoopBackOff' });
    expect(condition(s, 'Synced')).toMatchObject({ status: 'True' });
    expect(s.message).toMatch(/^Degraded: /);
  });

  it('is not Ready while rolling out: Healthy Unknown and Reconciling present', () => {
    const s = specStatus({ object, workload: workload([], { ...complete, updatedReplicas: 1 }), now: T1 });
    expect(s.health).toBe('Progressing');
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'Progressing' });
    expect(condition(s, 'Healthy')).toMatchObject({ status: 'Unknown', reason: 'RolloutInProgress' });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'True' });
  });

  it("gives the same status for the same state (no write on resync), and moves Ready's time on recovery", () => {
    const degraded = specStatus({ object, workload: workload([crashLooping('b')]), now: T1 });
    expect(specStatus({ object, previous: degraded, workload: workload([crashLooping('b')]), now: T2 })).toEqual(degraded);
    const recovered = specStatus({ object, previous: degraded, workload: workload([running('a')]), now: T3 });
    expect(condition(recovered, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: T3 });
    expect(condition(recovered, 'Synced')!.lastTransitionTime).toBe(T1);
  });
});

describe('estateStatus', () => {
  const counts = { specs: 5, units: 2, objects: 13, ready: 2, progressing: 0, degraded: 0 };
  const applied = (revision: string, extra: Partial<Extract<EstateOutcome, { kind: 'applied' }>> = {}): EstateOutcome => ({
    kind: 'applied',
    revision,
    inventory: [],
    counts,
    health: 'Healthy',
    healthMessage: '',
    ...extra,
  });
  const diagnostic = (line: number, message: string): Diagnostic => ({
    code: 'breaking-change-needs-major',
    severity: 'error',
    message,
    file: 'specs/invoice.yaml',
    range: { start: { line, column: 7 }, end: { line, column: 20 } },
    path: [],
  });

  it('stamps observedGeneration on the status and every condition', () => {
    const s = estateStatus(applied('main@sha1:a'), undefined, 9, T1);
    expect(s.observedGeneration).toBe(9);
    expect(s.conditions[0]).toMatchObject({ type: 'Ready', status: 'True', observedGeneration: 9 });
    expect(estateStatus(applied('main@sha1:a'), undefined, undefined, T1)).not.toHaveProperty('observedGeneration');
  });

  it("keeps the applied revision and Ready's time across a rejected commit; Stalled carries file:line", () => {
    const good = estateStatus(applied('main@sha1:a'), undefined, 1, T1);
    const rejected = estateStatus(
      { kind: 'rejected', revision: 'main@sha1:b', stage: 'check', diagnostics: [diagnostic(13, 'note removed')] },
      good,
      1,
      T2,
    );
    expect(rejected).toMatchObject({ lastAppliedRevision: 'main@sha1:a', lastAttemptedRevision: 'main@sha1:b', diagnosticsTotal: 1 });
    expect(rejected.diagnostics).toEqual([
      { file: 'specs/invoice.yaml', line: 13, column: 7, code: 'breaking-change-needs-major', severity: 'error', message: 'note removed' },
    ]);
    expect(findCondition(rejected.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ValidationFailed',
      lastTransitionTime: T2,
    });
    expect(findCondition(rejected.conditions, 'Stalled')!.message).toContain('specs/invoice.yaml:13 breaking-change-needs-major');
    expect(rejected.message).toContain('main@sha1:a keeps running');
    // The same rejection again: an identical status, so nothing is written.
    expect(
      estateStatus(
        { kind: 'rejected', revision: 'main@sha1:b', stage: 'check', diagnostics: [diagnostic(13, 'note removed')] },
        rejected,
        1,
        T3,
      ),
    ).toEqual(rejected);
  });

  it('maps a degraded or progressing apply to Ready False', () => {
    const degraded = estateStatus(
      applied('main@sha1:a', { health: 'Degraded', healthMessage: 'route-order: CrashLoopBackOff', counts: { ...counts, degraded: 1 } }),
      undefined,
      1,
      T1,
    );
    expect(findCondition(degraded.conditions, 'Ready')).toMatchObject({ status: 'False', reason: 'HealthCheckFailed' });
    const progressing = estateStatus(
      applied('main@sha1:a', { health: 'Progressing', healthMessage: '1 of 2', counts: { ...counts, progressing: 1 } }),
      undefined,
      1,
      T1,
    );
    expect(progressing.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=False', 'Reconciling=True']);
  });

  it('redacts credentials from condition messages, the status message and diagnostics', () => {
    const failed = estateStatus(
      {
        kind: 'failed',
        reason: 'AuthenticationFailed',
        message: 'fetch https://bot:ghp_s3cret@git.example.com/shop.git failed',
        stalled: false,
      },
      undefined,
      1,
      T1,
    );
    expect(JSON.stringify(failed)).not.toContain('ghp_s3cret');
    expect(failed.message).toContain('https://***@git.example.com/shop.git');
    const rejected = estateStatus(
      {
        kind: 'rejected',
        revision: 'r',
        stage: 'validate',
        diagnostics: [{ ...diagnostic(2, 'password=hunter2 in the URL'), hint: 'remove token=abc123' }],
      },
      undefined,
      1,
      T1,
    );
    expect(JSON.stringify(rejected)).not.toMatch(/hunter2|abc123/);
  });
});

describe('redactCredentialPatterns', () => {
  it('masks URL user-info', () => {
    expect(redactCredentialPatterns('cloning https://user:pa55@github.com/org/repo.git')).toBe(
      'cloning https://***@github.com/org/repo.git',
    );
    expect(redactCredentialPatterns('ssh://git@example.com/repo')).toBe('ssh://***@example.com/repo');
  });

  it('masks token=, password= and similar values', () => {
    expect(redactCredentialPatterns('GET /x?token=abc123&page=2')).toBe('GET /x?token=***&page=2');
    expect(redactCredentialPatterns('password: hunter2, user: bob')).toBe('password: ***, user: bob');
    expect(redactCredentialPatterns('{"access_token":"eyJhbGci"}')).toBe('{"access_token":"***"}');
  });

  it('masks Authorization header values', () => {
    expect(redactCredentialPatterns('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y')).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(redactCredentialPatterns('authorization: Basic dXNlcjpwYXNz')).toBe('authorization: Basic ***');
  });

  it('leaves text without credentials alone', () => {
    const text = 'specs/route-api.yaml:12 reference-unresolved mapping sap-order-to-ordr not found (https://example.com/docs)';
    expect(redactCredentialPatterns(text)).toBe(text);
  });
});

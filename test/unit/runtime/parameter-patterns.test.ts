/**
 * API parameter patterns run on RE2 (issue 10 #11): a backtracking pattern in an Api's parameter
 * schema let one anonymous request with a crafted value block a worker.
 */
import { describe, expect, it } from 'vitest';
import { ParameterValidator } from '../../../runtime/http/request-params.ts';

type Operation = ConstructorParameters<typeof ParameterValidator>[0];

describe('parameter patterns', () => {
  it('a crafted value against ^(a+)+$ is refused at once', () => {
    const operation = {
      id: 'find',
      method: 'GET',
      path: '/things',
      parameters: [{ name: 'code', in: 'query', schema: { type: 'string', pattern: '^(a+)+$' } }],
      response: { status: 200, contract: 'thing@1' },
    } as unknown as Operation;
    const params = new ParameterValidator(operation);
    expect(params.check({}, new URL('http://x/?code=aaaa'), {}).ok).toBe(true);
    const started = performance.now();
    const crafted = params.check({}, new URL(`http://x/?code=${'a'.repeat(40)}!`), {});
    const ms = performance.now() - started;
    expect(crafted.ok).toBe(false);
    // The backtracking engine needs minutes for 40 characters; RE2 a fraction of a millisecond.
    expect(ms).toBeLessThan(500);
  });
});

// The one duration parser (lib/duration.ts) and what its callers make of a refusal: a usage error at
// the CLI, a Stalled condition in the controller. The spec language's schema and the Estate CRD admit
// nothing the parser refuses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DURATION_EXAMPLES, durationMs, DurationError, parseDuration } from '../../lib/duration.ts';
import { sourceTimings } from '../../controller/reconcile/estate-types.ts';
import { estateCrd } from '../../generators/crds/estate-crd.ts';
import { runCli } from '../helpers/cli.ts';

const ms = (text: string) => {
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.ms : undefined;
};

describe('parseDuration', () => {
  it('reads Go/Kubernetes-style durations', () => {
    expect(ms('250ms')).toBe(250);
    expect(ms('30s')).toBe(30_000);
    expect(ms('5m')).toBe(300_000);
    expect(ms('2h')).toBe(7_200_000);
    expect(ms('1h30m')).toBe(5_400_000);
    expect(ms('1m30s500ms')).toBe(90_500);
    expect(ms('1.5s')).toBe(1500);
    expect(ms('1.5h')).toBe(5_400_000);
    expect(ms('0s')).toBe(0);
  });

  it('refuses garbage with a reason that says what is wrong and what to write', () => {
    const reason = (text: string) => {
      const parsed = parseDuration(text);
      return parsed.ok ? `accepted as ${parsed.ms}` : parsed.reason;
    };
    expect(reason('5')).toMatch(/"5" has a number without a unit/);
    expect(reason('1d')).toMatch(/unknown unit "d"/);
    expect(reason('5 minutes')).toMatch(/unexpected " " at position 2/);
    expect(reason('-1m')).toMatch(/unexpected "-" at position 1/);
    expect(reason('')).toMatch(/empty/);
    expect(reason('1.m')).toMatch(/unexpected "\." at position 2/);
    expect(reason('1h 30m')).toMatch(/position 3/);
    expect(reason('9999999999999h')).toMatch(/longer than the longest duration/);
    expect(reason('1s'.repeat(40))).toMatch(/longer than 64 characters/);
    for (const bad of ['5', '1d', '5 minutes', '-1m', '', 'abc', '.5s', '1e3s', 'NaNs', 'Infinityh'])
      expect(reason(bad)).toContain(DURATION_EXAMPLES);
  });

  it('durationMs: the default for a missing value, a DurationError for a refused one', () => {
    expect(durationMs(undefined, 42)).toBe(42);
    expect(durationMs('2s', 42)).toBe(2000);
    expect(() => durationMs('2 s', 42)).toThrow(DurationError);
  });

  it('admits everything the spec language schema and the Estate CRD pattern admit', () => {
    const defs = JSON.parse(readFileSync(new URL('../../language/kinds/schemas/common.defs.json', import.meta.url), 'utf8')) as {
      $defs: { duration: { pattern: string } };
    };
    const specPattern = new RegExp(defs.$defs.duration.pattern);
    const crd = estateCrd() as {
      spec: {
        versions: {
          schema: {
            openAPIV3Schema: { properties: { spec: { properties: { source: { properties: Record<string, { pattern: string }> } } } } };
          };
        }[];
      };
    };
    const crdPattern = new RegExp(
      crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties.source.properties.interval!.pattern,
    );
    const samples = ['0s', '1ms', '999999999h', '30s', '5m', '1h30m', '1.5h', '30s1h', '1h1h', '5', '1d', '-1s', '1.s', ' 1s', '1s ', 'ms'];
    for (const text of samples) {
      if (specPattern.test(text)) expect(parseDuration(text).ok, text).toBe(true);
      expect(crdPattern.test(text), text).toBe(parseDuration(text).ok);
    }
  });
});

describe('callers', () => {
  it('the controller turns a refused or zero spec.source duration into a message naming the field', () => {
    expect(sourceTimings({ url: 'x' })).toEqual({ ok: true, timings: { intervalMs: 300_000, timeoutMs: 60_000 } });
    expect(sourceTimings({ url: 'x', interval: '1h30m', timeout: '90s' })).toEqual({
      ok: true,
      timings: { intervalMs: 5_400_000, timeoutMs: 90_000 },
    });
    const bad = sourceTimings({ url: 'x', interval: '5 minutes' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/^spec\.source\.interval: "5 minutes" is not a duration/);
    const zero = sourceTimings({ url: 'x', timeout: '0s' });
    expect(!zero.ok && zero.message).toBe('spec.source.timeout: "0s" must be longer than zero');
  });

  it('a bad duration flag is a usage error, not a crash reported as a bug', async () => {
    for (const argv of [
      ['worker', '--bundle', 'nowhere', '--ack-wait', '5 minutes'],
      ['worker', '--bundle', 'nowhere', '--grace', 'soon'],
      ['run', '--for', '1d'],
    ]) {
      const result = await runCli(argv, process.cwd());
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^interlace: --(ack-wait|grace|for): /);
      expect(result.stderr).not.toMatch(/failed:|report it/);
    }
  });
});

import { spawnSync } from 'node:child_process';

/**
 * promtool (Debian's `prometheus` package, installed by .ci/run; decision 0011): its path, or a reason
 * to skip — an error under INTERLACE_REQUIRE_ALL_TIERS=1, so CI never skips the rule tests.
 */
export function promtoolOrSkipReason(): { promtool: string } | { skip: string } {
  const path = process.env.INTERLACE_PROMTOOL ?? 'promtool';
  const probe = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return { promtool: path };
  const reason = `promtool is missing (${path}: ${probe.error?.message ?? probe.stderr.trim()}); apt-get install prometheus`;
  if (process.env.INTERLACE_REQUIRE_ALL_TIERS === '1') throw new Error(reason);
  return { skip: `${reason}; set INTERLACE_REQUIRE_ALL_TIERS=1 to make this a failure` };
}

import { existsSync } from 'node:fs';

/**
 * Debian's Chromium (installed by .ci/run) for the browser tests, driven by playwright-core with
 * `executablePath` (playwright's own browser download cannot run here): its path, or a reason to
 * skip — an error under INTERLACE_REQUIRE_ALL_TIERS=1, so CI never skips the browser tests.
 */
export function chromiumOrSkipReason(): { chromium: string } | { skip: string } {
  const path = process.env.INTERLACE_CHROMIUM ?? '/usr/bin/chromium';
  if (existsSync(path)) return { chromium: path };
  const reason = `Chromium is missing (${path}); apt-get install --no-install-recommends chromium`;
  if (process.env.INTERLACE_REQUIRE_ALL_TIERS === '1') throw new Error(reason);
  return { skip: `${reason}; set INTERLACE_REQUIRE_ALL_TIERS=1 to make this a failure` };
}

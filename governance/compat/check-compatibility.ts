/** Confluent Schema Registry's compatibility modes on top of the pairwise check. */
import { findIncompatibilities } from './find-incompatibilities.ts';
import type { CompatibilityFinding, CompatibilityMode } from './types.ts';

/** Which directions a mode checks, and whether against every earlier version or only the previous one. */
export function modeChecks(mode: CompatibilityMode): { backward: boolean; forward: boolean; transitive: boolean } {
  return {
    backward: mode.startsWith('BACKWARD') || mode.startsWith('FULL'),
    forward: mode.startsWith('FORWARD') || mode.startsWith('FULL'),
    transitive: mode.endsWith('_TRANSITIVE'),
  };
}

/**
 * Checks `next` against earlier versions of the same major (oldest first; the last one is the
 * previous version) under a Confluent-style mode:
 * BACKWARD: next reads data written with the previous version (reader = next, writer = previous);
 * FORWARD: the previous version reads data written with next (reader = previous, writer = next);
 * FULL: both; *_TRANSITIVE: against every earlier version, not only the previous; NONE: nothing.
 * Findings come per earlier version (oldest first), backward before forward.
 */
export function checkCompatibility(
  mode: CompatibilityMode,
  next: { version: string; schema: object },
  earlier: { version: string; schema: object }[],
): CompatibilityFinding[] {
  const { backward, forward, transitive } = modeChecks(mode);
  const previous = earlier.at(-1);
  const against = transitive ? earlier : previous ? [previous] : [];
  const out: CompatibilityFinding[] = [];
  const nextLabel = `the new version ${next.version}`;
  for (const old of against) {
    const oldLabel = `version ${old.version}`;
    if (backward) {
      for (const f of findIncompatibilities(next.schema, old.schema, { readerLabel: nextLabel, writerLabel: oldLabel })) {
        out.push({ ...f, direction: 'backward', againstVersion: old.version });
      }
    }
    if (forward) {
      for (const f of findIncompatibilities(old.schema, next.schema, { readerLabel: oldLabel, writerLabel: nextLabel })) {
        out.push({ ...f, direction: 'forward', againstVersion: old.version });
      }
    }
  }
  return out;
}

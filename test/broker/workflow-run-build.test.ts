// `interlace run` builds the estate's workflows with its units: the generate stage's workflow bundle
// (IR + linked expressions) is loaded into a WorkflowProgram the run's engine hosts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UnitBuilder } from '../../runtime/run/build-units.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/workflows', import.meta.url));

describe('the run build', () => {
  it('loads the generated workflow programs of the estate', { timeout: 120_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'interlace-wfbuild-'));
    try {
      const build = await new UnitBuilder([FIXTURE], FIXTURE, out).build();
      expect(build.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(build.workflows.map((p) => `${p.ir.name}@${p.ir.version}`)).toEqual(['replenishment@1.0.0']);
      const [program] = build.workflows;
      const input = { proposalId: 'RP-9', estimatedValue: 30_000, quantity: 2, sku: 'S', lines: [] };
      expect(program!.exprs[program!.ir.key]!({ input, state: {}, items: {}, key: '' })).toBe('RP-9');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

/**
 * Validate and generate in process, for `interlace run`: the same stages as `interlace validate` and
 * `interlace generate`, written to the run's own folder. A Generator and a ValidationSession are kept
 * between builds, so a hot reload re-parses and re-compiles only what changed. Each unit's bundle hash
 * (from its manifest) says whether the unit must restart.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import { ValidationSession } from '../../language/validation-session.ts';
import type { ValidationRun } from '../../language/validation-session.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { loadWorkflowProgram } from '../../generators/workflows/load-workflow-program.ts';
import type { WorkflowProgram } from '../../language/workflow/workflow-ir.ts';
import { estateFromDocuments } from '../worker/estate.ts';
import type { WorkerEstate } from '../worker/estate.ts';

export interface BuildResult {
  ok: boolean;
  /** Validation and generation diagnostics (errors make `ok` false). */
  diagnostics: Diagnostic[];
  validation: ValidationRun;
  estate?: WorkerEstate;
  bundleDir?: string;
  /** unit → bundle sha256. */
  units: Map<string, string>;
  /** The estate's workflows, loaded from their generated IR and expression modules (`workflows/`). */
  workflows: WorkflowProgram[];
}

export class UnitBuilder {
  private readonly session = new ValidationSession();
  private readonly generator = new Generator();
  private readonly support = readSupportSources();
  private readonly paths: readonly string[];
  private readonly cwd: string;
  private readonly outDir: string;
  private built = false;

  constructor(paths: readonly string[], cwd: string, outDir: string) {
    this.paths = paths;
    this.cwd = cwd;
    this.outDir = outDir;
  }

  /** Builds from scratch (first run), or re-reads only `changed` files (absolute paths) when given. */
  async build(changed?: readonly string[]): Promise<BuildResult> {
    const validation =
      this.built && changed && changed.length > 0 ? this.session.update(changed) : this.session.run(this.paths, { cwd: this.cwd });
    this.built = true;
    const errors = validation.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) return { ok: false, diagnostics: validation.diagnostics, validation, units: new Map(), workflows: [] };
    const result = await this.generator.generate({
      documents: validation.result.documents,
      index: validation.result.index,
      support: this.support,
    });
    const diagnostics = [...validation.diagnostics, ...result.diagnostics];
    if (result.diagnostics.some((d) => d.severity === 'error'))
      return { ok: false, diagnostics, validation, units: new Map(), workflows: [] };
    const bundleDir = join(this.outDir, 'bundles');
    // Write only what changed; remove files no spec makes any more (a deleted route's bundle).
    const keep = new Set<string>();
    for (const [path, text] of result.files) {
      const target = join(this.outDir, path);
      keep.add(target);
      let current: string | undefined;
      try {
        current = readFileSync(target, 'utf8');
      } catch {
        current = undefined;
      }
      if (current === text) continue;
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
    mkdirSync(bundleDir, { recursive: true });
    for (const file of readdirSync(bundleDir)) if (!keep.has(join(bundleDir, file))) rmSync(join(bundleDir, file), { force: true });
    const units = new Map<string, string>();
    for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.manifest.json'))) {
      const manifest = JSON.parse(readFileSync(join(bundleDir, file), 'utf8')) as { unit: string; kind: string; sha256: string };
      // A Workflow unit runs on Temporal in a cluster; a run runs its workflows on the embedded engine (below).
      if (manifest.kind !== 'Workflow') units.set(manifest.unit, manifest.sha256);
    }
    const estate = estateFromDocuments(validation.result.index.documents.map((doc) => ({ kind: doc.kind, value: doc.source.value })));
    return { ok: true, diagnostics, validation, estate, bundleDir, units, workflows: await this.workflows(result.files) };
  }

  /** Each workflow bundle the generate stage wrote (`bundles/workflow-<name>-v<major>.js`: IR + linked expressions), loaded. */
  private async workflows(files: ReadonlyMap<string, string>): Promise<WorkflowProgram[]> {
    const bundles = [...files.keys()].filter((path) => /^bundles\/workflow-[^/]+\.js$/.test(path)).sort();
    const programs: WorkflowProgram[] = [];
    for (const path of bundles) programs.push(await loadWorkflowProgram(files.get(path)!));
    return programs;
  }
}

/**
 * The stages a fuzz case runs through, in the order and with the calls the CLI and the controller's
 * gate use: validate (ValidationSession), check (checkEstate against the unmutated estate as base),
 * generate (one Generator kept across cases, as `--watch` and hot reload keep it), test (the mapping
 * tests on the generated module) and plan --offline (planEstate, rendered as YAML and JSON). Each
 * stage's diagnostics are also formatted as the CLI prints them, so a formatter crash counts too.
 * A stage that throws is a crash; a stage that reports error diagnostics ends the run as the CLI does
 * (exit 1), which is fine.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { FORMATTERS } from '../../cli/format/index.ts';
import { planEstate, planJson, planYaml } from '../../controller/plan/index.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { runMappingTests, testBundle } from '../../generators/testing/run-tests.ts';
import type { ReadFixture, TestModule } from '../../generators/testing/run-tests.ts';
import { checkEstate } from '../../governance/check-estate.ts';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import type { ValidationRun } from '../../language/validation-session.ts';
import { ValidationSession } from '../../language/validation-session.ts';

export const STAGES = ['validate', 'check', 'generate', 'test', 'plan'] as const;
export type Stage = (typeof STAGES)[number];

/** How far a case got: the last stage that ran and the exit code the CLI would give for it. */
export interface PipelineOutcome {
  /** Stages that ran, in order, with the CLI's exit code for each (0 clean, 1 findings). */
  stages: { stage: Stage; exit: 0 | 1; ms: number }[];
}

/** A stage threw: the CLI would exit 2 with a stack trace. */
export class StageCrash extends Error {
  readonly stage: Stage;

  constructor(stage: Stage, cause: unknown) {
    super(`${stage} crashed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.stage = stage;
  }
}

const TODAY = '2026-12-01';
const hasErrors = (diagnostics: readonly Diagnostic[]) => diagnostics.some((d) => d.severity === 'error');

/** Runs the stages on the tree at `cwd` (which holds `specs/`). Keeps the generator between runs. */
export class Pipeline {
  private readonly generator = new Generator();
  private readonly support = readSupportSources();
  private base?: ValidationRun;

  /** Test hook: runs at the end of `plan`, to prove the harness reports a crash or a hang. */
  extraStage?: (run: ValidationRun) => void;

  async run(cwd: string): Promise<PipelineOutcome> {
    const stages: PipelineOutcome['stages'] = [];
    /** The exit code of the stage under way: 1 once it reports an error finding. */
    let exit: 0 | 1 = 0;
    const mark = (code: 1): undefined => {
      exit = code;
    };
    const timed = async <T>(stage: Stage, body: () => T | Promise<T>): Promise<T> => {
      const started = performance.now();
      exit = 0;
      try {
        return await body();
      } catch (error) {
        throw error instanceof StageCrash ? error : new StageCrash(stage, error);
      } finally {
        stages.push({ stage, exit, ms: performance.now() - started });
      }
    };

    const run = await timed('validate', () => {
      const result = new ValidationSession().run(['specs'], { cwd });
      this.format(result, result.diagnostics);
      return result;
    });
    this.base ??= run;
    if (hasErrors(run.diagnostics)) {
      stages[0]!.exit = 1;
      return { stages };
    }

    // `check --base`: the unmutated estate is the base revision. Its findings do not gate `generate`.
    await timed('check', () => {
      const touched = new Set([...run.sources.keys()].filter((file) => this.base!.sources.get(file) !== run.sources.get(file)));
      const checked = checkEstate({ head: run.result, base: this.base!.result, today: TODAY, touchedFiles: touched, all: true });
      this.format(run, checked.diagnostics);
      if (hasErrors(checked.diagnostics)) mark(1);
    });

    const generated = await timed('generate', async () => {
      const result = await this.generator.generate({ documents: run.result.documents, index: run.result.index, support: this.support });
      this.format(run, result.diagnostics);
      if (hasErrors(result.diagnostics)) mark(1);
      return result;
    });

    // `interlace test` runs the tests of every mapping that compiled, whatever else failed to generate.
    await timed('test', async () => {
      const bundle = testBundle(generated.files, generated.mappings);
      // The module loader caches by URL, so an unchanged bundle is not loaded again.
      const module = (await import(`data:text/javascript;base64,${Buffer.from(bundle).toString('base64')}`)) as TestModule;
      const read: ReadFixture = (specFile, relative) => {
        if (isAbsolute(relative)) return { ok: false, message: 'fixture paths are relative to the spec file' };
        try {
          return { ok: true, text: readFileSync(resolve(cwd, dirname(specFile), relative), 'utf8') };
        } catch (error) {
          return { ok: false, message: (error as Error).message };
        }
      };
      const results = runMappingTests(generated.mappings, module, read);
      JSON.stringify(results.map(({ diagnostics: _d, ...r }) => r));
      if (results.some((r) => !r.passed)) mark(1);
    });

    // `plan` gates on `check` without a base and on `generate`, as the controller does.
    await timed('plan', () => {
      const gate = checkEstate({ head: run.result, today: TODAY, all: true });
      if (hasErrors(gate.diagnostics) || hasErrors(generated.diagnostics)) return mark(1);
      const planned = planEstate({
        estate: { name: 'local', namespace: 'interlace' },
        targetNamespace: 'interlace',
        revision: 'fuzz',
        documents: run.result.documents,
        generated: generated.files,
        runtimeImage: 'ghcr.io/interlace-dev/interlace:fuzz',
        // As `plan --nats`: an estate with routes needs a backbone, and the example estate has routes.
        options: { includeCrds: false, backbone: { url: 'nats://127.0.0.1:4222' } },
      });
      this.format(run, planned.diagnostics);
      if (hasErrors(planned.diagnostics)) return mark(1);
      planYaml(planned);
      planJson(planned);
      this.extraStage?.(run);
    });
    return { stages };
  }

  /** The CLI prints every stage's diagnostics; each format must survive whatever the specs hold. */
  private format(run: ValidationRun, diagnostics: readonly Diagnostic[]): void {
    for (const name of ['stylish', 'json', 'sarif', 'github']) {
      const formatter = FORMATTERS[name];
      if (!formatter) continue;
      formatter({
        diagnostics,
        sources: run.sources,
        fileCount: run.fileCount,
        documentCount: run.documentCount,
        color: name === 'stylish',
        toolVersion: 'fuzz',
      });
    }
  }
}

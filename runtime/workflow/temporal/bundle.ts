/**
 * The workflow bundle of a Temporal worker: the generic workflow (workflow.ts), the interpreter and the
 * programs, compiled by Temporal's bundler (webpack) into one script that the worker runs in its sandbox.
 *
 * How the programs get in: their expressions are generated functions, which cannot travel as data, so
 * each program module (a module whose named export is a WorkflowProgram or a list of them — what the
 * workflow generator emits) is imported by a small entry file written for this bundle:
 *
 *   import { interlaceWorkflowFor } from '<repo>/runtime/workflow/temporal/workflow.ts';
 *   import { PROGRAMS as p0 } from '<bundle>/workflows.ts';
 *   export const interlace = interlaceWorkflowFor([].concat(p0));
 *   (and the correlation mailbox workflow, `interlaceMailbox`)
 *
 * Everything those modules import is bundled too and must be sandbox-safe (no Node built-ins, clocks or
 * I/O); the bundler names any module that is not. `ignoreModules` lists modules a program module imports
 * but the workflow never calls (they become stubs that throw if called).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { MAILBOX_TYPE, WORKFLOW_TYPE } from './names.ts';

/** A module that exports workflow programs. */
export interface ProgramModule {
  /** Absolute path (or a path relative to the working directory). */
  readonly path: string;
  /** The export that holds a WorkflowProgram or a list of them. */
  readonly exportName: string;
}

export interface WorkflowBundleOptions {
  readonly programModules: readonly ProgramModule[];
  readonly ignoreModules?: readonly string[];
  /**
   * A writable folder for the entry file (default the system's temporary folder): a worker pod's root
   * filesystem is read-only, so the entry cannot go next to the SDK.
   */
  readonly workDir?: string;
}

const WORKFLOW_MODULE = resolve(import.meta.dirname, 'workflow.ts');

/**
 * The node_modules that holds @temporalio/workflow. The bundler resolves the SDK's own modules (its
 * generated entrypoint requires `@temporalio/workflow/lib/worker-interface.js`) from the entry's folder;
 * the entry is written elsewhere, so this folder is added to webpack's module paths.
 */
function sdkModulesDir(): string {
  const workflowPackage = createRequire(import.meta.url).resolve('@temporalio/workflow/package.json');
  return dirname(dirname(dirname(workflowPackage)));
}

/** The entry file's source for these program modules. */
export function bundleEntrySource(modules: readonly ProgramModule[]): string {
  const lines = [
    `import { interlaceWorkflowFor, interlaceMailbox as mailbox } from ${JSON.stringify(WORKFLOW_MODULE)};`,
    `export const ${MAILBOX_TYPE} = mailbox;`,
  ];
  modules.forEach((m, i) => {
    if (!/^[A-Za-z_$][\w$]*$/.test(m.exportName))
      throw new Error(`program module ${m.path}: ${JSON.stringify(m.exportName)} is not an export name`);
    lines.push(`import { ${m.exportName} as p${i} } from ${JSON.stringify(resolve(m.path))};`);
  });
  lines.push(`export const ${WORKFLOW_TYPE} = interlaceWorkflowFor([].concat(${modules.map((_, i) => `p${i}`).join(', ')}));`);
  return `${lines.join('\n')}\n`;
}

/** Bundles the workflow code for these program modules; returns the bundle's JavaScript. */
export async function bundleWorkflows(options: WorkflowBundleOptions): Promise<string> {
  const root = options.workDir ?? tmpdir();
  await mkdir(root, { recursive: true });
  const modulesDir = sdkModulesDir();
  const dir = await mkdtemp(join(root, 'interlace-workflow-bundle-'));
  try {
    const entry = join(dir, 'workflows.js');
    await writeFile(entry, bundleEntrySource(options.programModules));
    const { code } = await bundleWorkflowCode({
      workflowsPath: entry,
      ignoreModules: [...(options.ignoreModules ?? [])],
      logger: quietLogger,
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? ['node_modules']), modulesDir] },
      }),
    });
    return code;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bundler logs webpack's whole report at info; only warnings and errors are worth showing. */
const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(`[temporal bundle] ${message}`),
  error: (message: string) => console.error(`[temporal bundle] ${message}`),
};

// The workflow engine contract (workflow-contract.ts) on the embedded engine of `interlace run`
// (runtime/workflow/embedded/): node:sqlite files in a temporary folder, a real HTTP System, the embedded
// backbone; the restart cases run the engine in child processes (workflow-worker-process.ts) and SIGKILL them.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteBackbone } from '../../runtime/backbone/sqlite-backbone.ts';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { openEmbeddedEngine } from '../../runtime/workflow/embedded/embedded-engine.ts';
import type { WorkflowEngine } from '../../runtime/workflow/engine.ts';
import { type WorkflowEngineFixture, type WorkerProcess, describeWorkflowEngine } from './workflow-contract.ts';
import { PROGRAMS, contractActivities } from './workflow-contract-programs.ts';

const WORKER = fileURLToPath(new URL('./workflow-worker-process.ts', import.meta.url));

/** Refuses every activity: an engine opened for the API only never runs one. */
const NO_ACTIVITIES = {
  run: () => Promise.reject(new Error('this engine is opened for the API only')),
};

describeWorkflowEngine('embedded (node:sqlite)', async ({ systemUrl }) => {
  const dir = await mkdtemp(join(tmpdir(), 'interlace-wf-'));
  const enginePath = join(dir, 'workflows.db');
  const backbonePath = join(dir, 'backbone.db');
  let backbone: Backbone | undefined;
  const engines: WorkflowEngine[] = [];
  const children = new Set<ReturnType<typeof spawn>>();
  const sharedBackbone = async (): Promise<Backbone> => {
    backbone ??= await openSqliteBackbone({ path: backbonePath });
    return backbone;
  };
  const fixture: WorkflowEngineFixture = {
    async open() {
      const engine = openEmbeddedEngine({
        path: enginePath,
        programs: PROGRAMS,
        activities: contractActivities(systemUrl, await sharedBackbone()),
      });
      engines.push(engine);
      return engine;
    },
    async client() {
      const engine = openEmbeddedEngine({ path: enginePath, programs: PROGRAMS, activities: NO_ACTIVITIES, execute: false });
      engines.push(engine);
      return engine;
    },
    async spawnWorker(): Promise<WorkerProcess> {
      const child = spawn(process.execPath, [WORKER, enginePath, backbonePath, systemUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve();
        });
        child.once('exit', (code, signal) =>
          reject(new Error(`the worker process exited (${code ?? signal}) before it was ready: ${stderr}`)),
        );
      });
      return {
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
          children.delete(child);
        },
      };
    },
    async published(topic) {
      const messages = await (await sharedBackbone()).read(topic, 1, 10_000).catch(() => []);
      return messages.map((m) => JSON.parse(Buffer.from(m.payload).toString('utf8')));
    },
    async close() {
      for (const child of children) child.kill('SIGKILL');
      for (const engine of engines) await engine.close();
      await backbone?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
});

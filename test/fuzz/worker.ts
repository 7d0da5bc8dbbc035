/**
 * The fuzz worker thread: keeps a copy of the example estate in a temporary folder and a warm
 * Pipeline, applies one case's file edits, runs the stages, puts the files back and answers with the
 * outcome, the stage that crashed (with its stack), and the thread's CPU time and heap. Runs in a
 * worker so the parent can stop a case that hangs (terminate) or runs out of its heap (resourceLimits).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { Pipeline, StageCrash } from './pipeline.ts';
import type { WorkerReply, WorkerRequest } from './protocol.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const root = mkdtempSync(join(tmpdir(), 'interlace-fuzz-'));
const specs = join(root, 'specs');
cpSync(join(REPO, 'specs'), specs, { recursive: true });
const pipeline = new Pipeline();
if ((workerData as { plantCrash?: boolean } | undefined)?.plantCrash) {
  // The harness's own test: `plan` throws, or never returns, when a document mentions a marker.
  pipeline.extraStage = (run) => {
    const text = JSON.stringify(run.result.documents.map((d) => d.spec));
    if (text.includes('PLANTED-CRASH')) throw new Error('planted crash');
    if (text.includes('PLANTED-HANG')) for (;;);
  };
}

const cpuMs = () => {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
};

parentPort!.on('message', async (request: WorkerRequest) => {
  if (request.type === 'stop') {
    rmSync(root, { recursive: true, force: true });
    process.exit(0);
  }
  const originals = new Map<string, Buffer | undefined>();
  for (const edit of request.edits) {
    const path = join(specs, edit.file);
    if (!path.startsWith(specs + '/')) continue;
    if (!originals.has(path)) originals.set(path, readOrUndefined(path));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.from(edit.content, 'base64'));
  }
  const started = cpuMs();
  const wall = performance.now();
  let reply: WorkerReply;
  try {
    const outcome = await pipeline.run(root);
    reply = { type: 'done', id: request.id, outcome, cpuMs: cpuMs() - started, wallMs: performance.now() - wall, heapMb: heapMb() };
  } catch (error) {
    const crash = error instanceof StageCrash ? error : new StageCrash('validate', error);
    const cause = crash.cause instanceof Error ? crash.cause : new Error(String(crash.cause));
    reply = {
      type: 'crash',
      id: request.id,
      stage: crash.stage,
      message: `${cause.name}: ${cause.message}`,
      stack: cause.stack ?? '',
      cpuMs: cpuMs() - started,
      wallMs: performance.now() - wall,
      heapMb: heapMb(),
    };
  } finally {
    for (const [path, original] of originals) {
      if (original === undefined) rmSync(path, { force: true });
      else writeFileSync(path, original);
    }
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ type: 'ready' } satisfies WorkerReply);

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

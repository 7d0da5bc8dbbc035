// Real loopback HTTP servers that play target systems for the worker tests: each request is answered
// by a script (500, 503 with Retry-After, a stall past the timeout, slow, 400, 200) and every
// acknowledged effect is counted by its Idempotency-Key, so a test can assert that no effect
// happened twice.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ValidationSession } from '../../language/validation-session.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { loadWorkerEstate } from '../../runtime/worker/load-estate.ts';
import type { WorkerEstate } from '../../runtime/worker/estate.ts';

export interface TargetRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

/** What to answer: a status (+ headers), or `stall` (never answer before the client gives up). */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number; body?: unknown } | 'stall';

export interface TargetServer {
  url: string;
  requests: TargetRequest[];
  /** Acknowledged (2xx) effects by Idempotency-Key. */
  effects: Map<string, number>;
  /** Bodies of acknowledged effects, in the order acknowledged. */
  applied: unknown[];
  answer: (request: TargetRequest, n: number) => Answer;
  close(): Promise<void>;
}

/** `host`: where it listens (default loopback; a real pod reaches the host at the node's address). */
export async function startTargetServer(
  answer: TargetServer['answer'] = () => ({ status: 200 }),
  host = '127.0.0.1',
): Promise<TargetServer> {
  const requests: TargetRequest[] = [];
  const effects = new Map<string, number>();
  const applied: unknown[] = [];
  const open = new Set<ServerResponse>();
  const target: TargetServer = { url: '', requests, effects, applied, answer, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: TargetRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
        at: Date.now(),
      };
      requests.push(request);
      const reply = target.answer(request, requests.length);
      if (reply === 'stall') {
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      const send = () => {
        if (reply.status >= 200 && reply.status < 300) {
          const key = String(req.headers['idempotency-key'] ?? '');
          effects.set(key, (effects.get(key) ?? 0) + 1);
          applied.push(request.body);
        }
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body ?? {}));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  target.url = `http://${host}:${(server.address() as AddressInfo).port}`;
  target.close = async () => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return target;
}

/** Polls until `check` is true or `timeoutMs` passes (then fails with `what`). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** The test estate (test/broker/worker-estate) generated for real into a temp folder. */
export async function generateTestEstate(): Promise<{ dir: string; bundleDir: string; estate: () => WorkerEstate; cleanup: () => void }> {
  const specs = new URL('./worker-estate', import.meta.url).pathname;
  const run = new ValidationSession().run([specs]);
  const errors = run.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('\n'));
  const result = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  if (result.diagnostics.length > 0) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  const dir = mkdtempSync(join(tmpdir(), 'interlace-worker-'));
  for (const [path, text] of result.files) {
    mkdirSync(dirname(join(dir, 'gen', path)), { recursive: true });
    writeFileSync(join(dir, 'gen', path), text);
  }
  return {
    dir,
    bundleDir: join(dir, 'gen', 'bundles'),
    // A fresh copy each time: tests point System URLs and the JWKS at their own loopback servers.
    estate: () => structuredClone(loadWorkerEstate([specs])),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Writes `specText` (one or more YAML documents) as a spec folder under `dir`, validates and generates
 * it, and writes the bundles to `<dir>/bundles` (returned). Errors of either step fail with their messages.
 */
export async function generateBundlesFromText(dir: string, specText: string): Promise<string> {
  const specs = join(dir, 'specs');
  mkdirSync(specs, { recursive: true });
  writeFileSync(join(specs, 'estate.yaml'), specText);
  const run = new ValidationSession().run([specs]);
  const errors = run.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('\n'));
  const result = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  const generatorErrors = result.diagnostics.filter((d) => d.severity === 'error');
  if (generatorErrors.length > 0) throw new Error(generatorErrors.map((d) => d.message).join('\n'));
  for (const [path, text] of result.files) {
    if (!path.startsWith('bundles/')) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  rmSync(specs, { recursive: true, force: true });
  return join(dir, 'bundles');
}

/** A loopback port free at the moment of asking. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `interlace worker` as a child process (for kill -9 tests), with its output kept. */
export interface WorkerProcess {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function startWorkerProcess(args: string[], env: Record<string, string> = {}): WorkerProcess {
  const repo = new URL('../..', import.meta.url).pathname;
  const child = spawn(join(repo, 'node_modules/.bin/node'), [join(repo, 'bin/interlace.mjs'), 'worker', ...args], {
    cwd: tmpdir(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

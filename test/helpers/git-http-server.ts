// A real Git smart-HTTP server for tests: `git http-backend` (git's own CGI program) behind a small
// node:http wrapper that requires Basic or Bearer auth and records what clients sent.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServerOptions {
  /** Folder whose subfolders are the served repositories (GIT_PROJECT_ROOT). */
  projectRoot: string;
  /** Accepted `user:password` pairs and bearer tokens; with none, no auth is required. */
  basic?: { username: string; password: string };
  bearer?: string;
  /** Answer every request with a protocol error that echoes the Authorization header back (a hostile or buggy server). */
  echoAuthorization?: boolean;
}

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request seen: path with query, and the Authorization header (if any). */
  requests: { url: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

const pkt = (line: string) => `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: GitHttpServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const authorization = req.headers.authorization;
    requests.push({ url: req.url ?? '', authorization });
    if (options.echoAuthorization) {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', 'cache-control': 'no-cache' });
      res.end(
        `${pkt('# service=git-upload-pack\n')}0000${pkt(`ERR access denied for ${authorization ?? 'nobody'} (${decodeBasic(authorization)})\n`)}`,
      );
      return;
    }
    if (!authorized(authorization, options)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    runBackend(req, res, options.projectRoot);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function decodeBasic(header: string | undefined): string {
  if (!header?.startsWith('Basic ')) return '';
  return Buffer.from(header.slice(6), 'base64').toString('utf8');
}

function authorized(header: string | undefined, options: GitHttpServerOptions): boolean {
  if (!options.basic && !options.bearer) return true;
  if (options.bearer && header === `Bearer ${options.bearer}`) return true;
  if (options.basic && decodeBasic(header) === `${options.basic.username}:${options.basic.password}`) return true;
  return false;
}

function runBackend(req: IncomingMessage, res: ServerResponse, projectRoot: string): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: 'test',
    REMOTE_ADDR: '127.0.0.1',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  child.stdout.on('end', () => res.end());
  child.on('error', () => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}

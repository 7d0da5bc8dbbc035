/**
 * The estate map over HTTP, read-only: the page (`/map/`), its script and style, the graph layout
 * library (cytoscape, served as the file npm installed: no bundler), and JSON under `/map/api/`:
 *   estates                       the estates this server can draw, and whether live figures and journeys exist
 *   graph?estate=                 Systems, routes, topics, APIs and their edges (estate-graph.ts)
 *   lineage?estate=&contract=     where each field of one contract comes from and goes
 *   live?estate=                  per-edge throughput, latency, dead letters, circuits, objectives (live-figures.ts)
 *   journey?key=                  the steps of one business key (an order number), newest last
 * `interlace run`'s gateway and the controller's probe server mount it; each says what it can answer
 * through a MapSource. Every answer carries a strict Content-Security-Policy (scripts and styles from
 * this origin only, no inline code, no eval), and the page writes text with `textContent` only.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { JourneyStep } from '../run/journey-index.ts';
import type { ContractLineage, EstateGraph } from './estate-graph.ts';
import type { LiveFigures } from './live-figures.ts';

export interface MapSource {
  /** The estates that can be drawn now (`interlace run`: one; the controller: `namespace/name` of each accepted Estate). */
  estates(): string[];
  graph(estate: string): EstateGraph | undefined;
  /** Live figures, where this server sees the workers' metrics (`interlace run`); absent in the controller. */
  live?(estate: string): Promise<LiveFigures | undefined>;
  /** The journey of one business key, where this server keeps the journey index. */
  journey?(key: string): JourneyStep[];
}

/** A source with graphs only (the controller: no workers' metrics, no journey index in its process). */
export function staticMapSource(graphs: () => ReadonlyMap<string, EstateGraph>): MapSource {
  return {
    estates: () => [...graphs().keys()].sort(),
    graph: (estate) => graphs().get(estate),
  };
}

/** At most this many steps of one journey are sent (the newest). */
export const JOURNEY_STEPS_MAX = 200;

/** A business key as people type it: an order, shipment or PO number. */
const KEY = /^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$/;

export const MAP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface StaticFile {
  type: string;
  body: Buffer;
}

let staticFiles: Map<string, StaticFile> | undefined;

/** The page's files, read once: ours next to this module, cytoscape's from node_modules. */
function files(): Map<string, StaticFile> {
  if (staticFiles) return staticFiles;
  const page = (name: string) => readFileSync(new URL(`./page/${name}`, import.meta.url));
  const cytoscape = readFileSync(fileURLToPath(import.meta.resolve('cytoscape/dist/cytoscape.esm.min.mjs')));
  staticFiles = new Map([
    ['/map/', { type: 'text/html; charset=utf-8', body: page('index.html') }],
    ['/map/map.js', { type: 'text/javascript; charset=utf-8', body: page('map.js') }],
    ['/map/map.css', { type: 'text/css; charset=utf-8', body: page('map.css') }],
    ['/map/vendor/cytoscape.esm.min.mjs', { type: 'text/javascript; charset=utf-8', body: cytoscape }],
  ]);
  return staticFiles;
}

/**
 * Answers a request under `/map` and returns true, or returns false for any other path. `path` is
 * the normalised path (lib/http-server.ts `normalisedPath`), `search` its query.
 */
export function serveMap(
  source: MapSource,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: string,
): boolean | Promise<boolean> {
  if (path !== '/map' && !path.startsWith('/map/')) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'application/json', JSON.stringify({ error: 'the estate map is read-only' }), { allow: 'GET, HEAD' });
    return true;
  }
  if (path === '/map') {
    send(res, 308, 'text/plain; charset=utf-8', 'moved\n', { location: '/map/' });
    return true;
  }
  const file = files().get(path);
  if (file) {
    send(res, 200, file.type, file.body, { 'cache-control': 'no-cache' });
    return true;
  }
  if (!path.startsWith('/map/api/')) {
    json(res, 404, { error: `nothing at ${path}` });
    return true;
  }
  return api(source, path.slice('/map/api/'.length), new URLSearchParams(search), res).then(() => true);
}

async function api(source: MapSource, endpoint: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  if (endpoint === 'estates')
    return json(res, 200, { estates: source.estates(), live: source.live !== undefined, journeys: source.journey !== undefined });
  if (endpoint === 'journey') {
    if (!source.journey) return json(res, 404, { error: 'this server keeps no journey index' });
    const key = query.get('key') ?? '';
    if (!KEY.test(key))
      return json(res, 400, { error: 'a business key is 1-128 letters, digits and . _ : / # -, starting with a letter or digit', key: '' });
    const steps = source.journey(key);
    return json(res, 200, { key, total: steps.length, steps: steps.slice(-JOURNEY_STEPS_MAX) });
  }
  const estates = source.estates();
  const estate = query.get('estate') ?? (estates.length === 1 ? estates[0]! : '');
  const graph = estates.includes(estate) ? source.graph(estate) : undefined;
  if (!graph)
    return json(res, 404, {
      error: estate ? 'no such estate (or none accepted yet)' : 'name the estate: ?estate=<namespace>/<name>',
      estates,
    });
  if (endpoint === 'graph') {
    return json(res, 200, { estate, nodes: graph.nodes, edges: graph.edges, contracts: graph.contracts.map((c) => c.contract) });
  }
  if (endpoint === 'lineage') {
    const contract = query.get('contract') ?? '';
    const lineage: ContractLineage | undefined = graph.contracts.find((c) => c.contract === contract);
    return lineage ? json(res, 200, lineage) : json(res, 404, { error: 'no such contract; see contracts in /map/api/graph' });
  }
  if (endpoint === 'live') {
    const live = await source.live?.(estate);
    return live ? json(res, 200, live) : json(res, 404, { error: 'no live figures here (the workers run elsewhere: see their /metrics)' });
  }
  return json(res, 404, { error: 'unknown endpoint' });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), { 'cache-control': 'no-store' });
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'content-security-policy': MAP_CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

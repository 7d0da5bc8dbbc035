// The estate map's script (runtime/map/map-handler.ts serves it as is: no build step). It draws
// /map/api/graph with cytoscape, polls /map/api/live every 2 s, and finds a business key's journey.
// Every text from the server is written with textContent, never parsed as HTML.
import cytoscape from './vendor/cytoscape.esm.min.mjs';

const POLL_MS = 2000;
const byId = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

async function getJson(path, params = {}) {
  const url = new URL(path, window.location.href);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function showError(error) {
  const p = byId('error');
  p.hidden = !error;
  p.textContent = error ? String(error.message || error) : '';
}

const fmt = (n, digits = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '-');

const state = { estate: undefined, graph: undefined, live: undefined, cy: undefined, liveAvailable: false };

const STYLE = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'font-size': 10,
      'text-valign': 'bottom',
      'text-margin-y': 3,
      color: '#1d2433',
      width: 22,
      height: 22,
    },
  },
  {
    selector: 'node[kind = "System"]',
    style: { shape: 'round-rectangle', 'background-color': '#2f6fd6', width: 34, height: 22, 'font-weight': 'bold' },
  },
  { selector: 'node[kind = "EventRoute"]', style: { shape: 'ellipse', 'background-color': '#7b4fd6' } },
  {
    selector: 'node[kind = "Topic"]',
    style: { shape: 'tag', 'background-color': '#9aa3b2', width: 18, height: 14, 'font-size': 9, color: '#5a6372' },
  },
  { selector: 'node[kind = "Api"]', style: { shape: 'hexagon', 'background-color': '#1a9c6b', width: 28, height: 24 } },
  {
    selector: 'edge',
    style: {
      width: 1.5,
      'line-color': '#b8bfcb',
      'target-arrow-color': '#b8bfcb',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
      'arrow-scale': 0.8,
      label: 'data(figures)',
      'font-size': 8,
      color: '#3b4456',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
      'text-rotation': 'autorotate',
    },
  },
  { selector: 'edge.flowing', style: { 'line-color': '#4caf50', 'target-arrow-color': '#4caf50', width: 2.5 } },
  { selector: 'edge.dlq', style: { 'line-color': '#f0a020', 'target-arrow-color': '#f0a020', width: 3 } },
  { selector: 'edge.breached', style: { 'line-color': '#d32f2f', 'target-arrow-color': '#d32f2f', width: 3.5 } },
  { selector: 'node.breached', style: { 'border-width': 4, 'border-color': '#d32f2f' } },
  { selector: 'edge.circuit-open', style: { 'line-style': 'dashed', 'line-color': '#d32f2f', 'target-arrow-color': '#d32f2f' } },
  {
    selector: '.journey',
    style: { 'line-color': '#ff00aa', 'target-arrow-color': '#ff00aa', 'background-color': '#ff00aa', width: 4, 'z-index': 10 },
  },
  { selector: 'node.journey-now', style: { 'border-width': 4, 'border-color': '#ff00aa', width: 40, height: 30 } },
  {
    selector: ':selected',
    style: { 'border-width': 3, 'border-color': '#f5b400', 'line-color': '#f5b400', 'target-arrow-color': '#f5b400' },
  },
];

function drawGraph(graph) {
  const elements = [
    ...graph.nodes.map((n) => ({ group: 'nodes', data: { id: n.id, label: n.name, kind: n.kind } })),
    ...graph.edges.map((e) => ({ group: 'edges', data: { id: e.id, source: e.from, target: e.to, kind: e.kind, figures: '' } })),
  ];
  state.cy?.destroy();
  state.cy = cytoscape({
    container: byId('graph'),
    elements,
    style: STYLE,
    // Sources on the left, their targets to the right: a layered layout of the directed graph.
    layout: { name: 'breadthfirst', directed: true, spacingFactor: 1.25, padding: 12, animate: false },
    minZoom: 0.2,
    maxZoom: 3,
  });
  state.cy.on('tap', 'node, edge', (event) => showDetails(event.target.id()));
}

function edgeClasses(figures) {
  const classes = [];
  if (!figures) return classes;
  if (figures.rate > 0 || figures.delivered > 0) classes.push('flowing');
  if (figures.deadLettered > 0) classes.push('dlq');
  const slo = figures.slo || {};
  if (Object.values(slo).some((o) => o.state === 'breached')) classes.push('breached');
  if (figures.circuit && figures.circuit !== 'closed') classes.push('circuit-open');
  return classes;
}

function sloText(figures) {
  const slo = figures?.slo;
  if (!slo) return '';
  return Object.entries(slo)
    .map(([name, o]) => `${name} ${o.state}${o.good !== undefined ? ` ${fmt(o.good * 100, 2)}%` : ''}`)
    .join(', ');
}

function applyLive(live) {
  state.live = live;
  const cy = state.cy;
  if (!cy) return;
  cy.batch(() => {
    for (const edge of state.graph.edges) {
      if (edge.kind !== 'target') continue;
      const figures = live.edges[edge.id];
      const element = cy.getElementById(edge.id);
      element.removeClass('flowing dlq breached circuit-open');
      element.addClass(edgeClasses(figures).join(' '));
      element.data(
        'figures',
        // Only edges carrying traffic now are labelled: a quiet estate stays readable.
        figures && figures.rate > 0 ? `${fmt(figures.rate, 1)}/s p99 ${fmt(figures.p99Ms)}ms` : '',
      );
    }
  });
  cy.batch(() => {
    for (const node of state.graph.nodes) {
      if (node.kind !== 'Api') continue;
      const breached = Object.values(live.apis[node.id]?.slo ?? {}).some((o) => o.state === 'breached');
      cy.getElementById(node.id).toggleClass('breached', breached);
    }
  });
  renderRoutes();
  byId('updated').textContent = `live · ${new Date(live.at).toLocaleTimeString()}`;
}

function renderRoutes() {
  const body = byId('routes').tBodies[0];
  const rows = [];
  const routes = state.graph.nodes.filter((n) => n.kind === 'EventRoute');
  for (const route of routes) {
    const head = el('tr', undefined, 'route');
    const name = el('td');
    const button = el('button', route.name, 'link');
    button.type = 'button';
    button.dataset.route = route.name;
    button.addEventListener('click', () => showDetails(route.id));
    name.append(button);
    name.colSpan = 7;
    head.append(name);
    rows.push(head);
    for (const edge of state.graph.edges.filter((e) => e.kind === 'target' && e.route === route.name)) {
      const f = state.live?.edges[edge.id];
      const tr = el('tr');
      tr.dataset.edge = edge.id;
      const dlq = f?.deadLettered ?? 0;
      const slo = sloText(f);
      tr.append(
        el('td', `  ${edge.target} → ${edge.to.replace(/^(system|topic):/, '')}`),
        el('td', fmt(f?.rate, 1), 'num'),
        el('td', fmt(f?.p99Ms), 'num'),
        el('td', f ? f.delivered : '-', 'num'),
        el('td', f ? dlq : '-', dlq > 0 ? 'num dlq' : 'num'),
        el('td', f?.circuit ?? '', f?.circuit && f.circuit !== 'closed' ? 'open' : ''),
        el('td', slo, slo.includes('breached') ? 'breached' : slo.includes('met') ? 'met' : ''),
      );
      rows.push(tr);
    }
  }
  body.replaceChildren(...rows);
}

function addDetail(list, term, value) {
  if (value === undefined || value === null || value === '') return;
  list.append(el('dt', term), el('dd', value));
}

function showDetails(id) {
  const section = byId('details');
  const list = byId('details-list');
  const lineage = byId('lineage');
  lineage.replaceChildren();
  list.replaceChildren();
  const node = state.graph.nodes.find((n) => n.id === id);
  const edge = state.graph.edges.find((e) => e.id === id);
  if (node) {
    byId('details-title').textContent = `${node.kind} ${node.name}`;
    addDetail(list, 'owner', node.owner);
    addDetail(list, 'protocol', node.protocol);
    addDetail(list, 'objectives', node.slo?.join('\n'));
    addDetail(list, 'description', node.description);
    const apiFigures = state.live?.apis[node.id];
    if (apiFigures) {
      addDetail(
        list,
        'requests',
        `${apiFigures.requests} (${fmt(apiFigures.rate, 1)}/s), 4xx ${apiFigures.clientErrors}, 5xx ${apiFigures.serverErrors}`,
      );
      addDetail(list, 'objectives now', sloText(apiFigures));
    }
    if (node.kind === 'System') addDetail(list, 'circuit', state.live?.circuits[node.name]);
    for (const contract of node.contracts ?? []) lineageButton(lineage, contract);
  } else if (edge) {
    const f = state.live?.edges[edge.id];
    byId('details-title').textContent = `${edge.kind} ${edge.route ?? ''}${edge.target ? ` → ${edge.target}` : ''}`;
    addDetail(list, 'from', edge.from);
    addDetail(list, 'to', edge.to);
    addDetail(list, 'mapping', edge.mapping);
    addDetail(list, 'contract', edge.contract);
    if (f) {
      addDetail(list, 'throughput', `${fmt(f.rate, 1)} msg/s`);
      addDetail(list, 'latency', `p50 ${fmt(f.p50Ms, 1)} ms, p99 ${fmt(f.p99Ms, 1)} ms`);
      addDetail(list, 'delivered', f.delivered);
      addDetail(list, 'dead letters', f.deadLettered);
      addDetail(list, 'dead letters waiting', f.deadLetterDepth);
      addDetail(list, 'duplicates', f.duplicates);
      addDetail(list, 'circuit', f.circuit);
      addDetail(list, 'objectives', sloText(f));
    }
    if (edge.contract) lineageButton(lineage, edge.contract);
  } else {
    return;
  }
  section.hidden = false;
}

function lineageButton(container, contract) {
  const button = el('button', `lineage of ${contract}`, 'link');
  button.type = 'button';
  button.addEventListener('click', () => showLineage(container, contract).catch(showError));
  container.append(el('div'), button);
}

async function showLineage(container, contract) {
  const lineage = await getJson('api/lineage', { estate: state.estate, contract });
  const table = el('table');
  const head = el('tr');
  head.append(el('th', 'field'), el('th', 'comes from'), el('th', 'goes to'));
  table.append(head);
  const flow = (f) => `${f.contract}.${f.field} (${f.mapping})`;
  for (const field of lineage.fields) {
    if (field.from.length === 0 && field.to.length === 0) continue;
    const tr = el('tr');
    tr.append(el('td', field.field), el('td', field.from.map(flow).join('\n')), el('td', field.to.map(flow).join('\n')));
    table.append(tr);
  }
  const note = el(
    'p',
    `${lineage.contract}: ${lineage.fields.length} fields; ${lineage.hidden} classified pii/confidential not shown; carried by ${lineage.carriedBy.join(', ') || 'nothing'}`,
  );
  container.replaceChildren(note, table);
}

async function findJourney(key) {
  const result = await getJson('api/journey', { key });
  const section = byId('journey');
  section.hidden = false;
  byId('journey-title').textContent = `Journey of ${result.key}: ${result.total} step${result.total === 1 ? '' : 's'}`;
  const list = byId('journey-steps');
  const cy = state.cy;
  cy?.elements().removeClass('journey journey-now');
  const items = result.steps.map((s) => {
    const li = el(
      'li',
      `${new Date(s.time).toLocaleTimeString()}  ${s.route}${s.target ? `/${s.target}` : ''}  ${s.from ?? '?'} → ${s.to ?? '?'}  ${s.outcome}${s.reason ? ` (${s.reason})` : ''}`,
      'step',
    );
    li.dataset.outcome = s.outcome;
    cy?.getElementById(`route:${s.route}`).addClass('journey');
    if (s.target) cy?.getElementById(`target:${s.route}/${s.target}`).addClass('journey');
    cy?.getElementById(`source:${s.route}`).addClass('journey');
    return li;
  });
  list.replaceChildren(...items);
  const last = result.steps.at(-1);
  const now = byId('journey-now');
  if (!last) {
    now.textContent = 'No step of this key is known to this run.';
    return;
  }
  now.textContent = `Now: ${last.outcome} at ${last.to ?? last.route} (${last.route}${last.target ? `/${last.target}` : ''}, ${new Date(last.time).toLocaleTimeString()})`;
  const where = last.to?.startsWith('topic ') ? `topic:${last.to.slice(6)}` : `system:${last.to}`;
  cy?.getElementById(where).addClass('journey-now');
}

async function poll() {
  if (!state.liveAvailable) return;
  try {
    applyLive(await getJson('api/live', { estate: state.estate }));
    showError(undefined);
  } catch (error) {
    showError(error);
  }
}

async function load(estate) {
  state.estate = estate;
  state.graph = await getJson('api/graph', { estate });
  drawGraph(state.graph);
  renderRoutes();
  document.body.dataset.ready = 'true';
  await poll();
}

async function main() {
  const { estates, live, journeys } = await getJson('api/estates');
  state.liveAvailable = live;
  byId('search').hidden = !journeys;
  byId('search').addEventListener('submit', (event) => {
    event.preventDefault();
    findJourney(byId('search-key').value.trim()).then(() => showError(undefined), showError);
  });
  if (estates.length === 0) {
    showError(new Error('No estate has been accepted yet.'));
    return;
  }
  const select = byId('estate');
  select.replaceChildren(...estates.map((name) => el('option', name)));
  byId('estate-choice').hidden = estates.length < 2;
  select.addEventListener('change', () => load(select.value).catch(showError));
  await load(estates[0]);
  if (!live) byId('updated').textContent = 'static view (no live figures here)';
  setInterval(poll, POLL_MS);
}

main().catch(showError);

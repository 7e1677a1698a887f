/**
 * A run: its DAG (live over Server-Sent Events while it runs), a node's actions with why they ran, errors in
 * full and log tails; training curves per fold; results and the case viewer once it has finished.
 */
import type uPlot from 'uplot';
import type { LoggedEvent } from '../../engine/runs/event-log.js';
import type { FoldCurves } from '../../report/collect.js';
import { applyEvent, type LiveRun } from '../shared/live-state.js';
import type { ActionDetail, ResultsView, RunView } from '../shared/types.js';
import { drawCurves } from './curves.js';
import { drawDag } from './dag.js';
import { $, badge, esc, getJson, seconds, showError, when } from './dom.js';
import { renderResults } from './results.js';
import { openCase } from './viewer.js';

const app = $('#app');
const runId = app.dataset.run!;
const api = `/api/runs/${encodeURIComponent(runId)}`;
let view: RunView;
let live: LiveRun;
let selected: string | undefined;
const plots: uPlot[] = [];

function layout(): void {
  app.innerHTML = `<h1>Run <span id="run-id">${esc(runId)}</span> <span id="status"></span></h1>
  <section class="card"><div class="meta" id="meta"></div></section>
  <section class="card"><h2>Pipeline</h2><div class="layout"><div class="dagbox" id="dag"></div>
    <div class="panel" id="panel"><p class="muted">Click a node to see its actions, why each ran or came from the store, and its log.</p></div></div></section>
  <section class="card"><h2>Training curves</h2><div class="charts" id="curves"></div><ul class="notes" id="curve-notes"></ul></section>
  <section class="card"><h2>Results</h2><div id="results"></div></section>
  <section class="card" id="viewer" hidden></section>`;
}

function renderMeta(): void {
  const counts: Record<string, number> = {};
  for (const a of live.actions.values()) counts[a.status] = (counts[a.status] ?? 0) + 1;
  $('#status').innerHTML = badge(view.status);
  $('#meta').innerHTML = [
    ['pipeline', `${esc(view.pipeline)}${view.pipelineFile ? ` <span class="muted">${esc(view.pipelineFile)}</span>` : ''}`],
    ['started', esc(when(view.startedAt))],
    ['duration', view.status === 'running' ? `${seconds(Date.now() - Date.parse(view.startedAt))} so far` : seconds(view.durationMs)],
    ['actions', esc(Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none yet')],
    ['params', `<code>${esc(JSON.stringify(view.params))}</code>`],
  ].map(([k, v]) => `<span><b>${k}</b>${v}</span>`).join('');
}

let dagFrame = 0;
function redraw(): void {
  if (dagFrame) return;
  dagFrame = requestAnimationFrame(() => {
    dagFrame = 0;
    drawDag($('#dag'), view.graph, live.actions.values(), selected);
    renderMeta();
  });
}

function actionHtml(a: ActionDetail): string {
  const why = a.why?.length ? a.why : a.status === 'cached' ? ['cached: its key matched a stored result, so it did not run'] : [];
  const progress = a.progress ? `<div class="bar"><i style="width:${(100 * a.progress.done / Math.max(1, a.progress.total)).toFixed(1)}%"></i></div>
    <span class="muted">${esc(a.progress.message ?? '')} ${a.progress.done}/${a.progress.total}</span>` : '';
  return `<div class="action" data-action="${esc(a.id)}"><div class="head">${badge(a.status)}<code>${esc(a.id)}</code>
    <span class="muted">${a.status === 'running' && a.startedAt ? seconds(Date.now() - a.startedAt) : seconds(a.durationMs)}</span></div>${progress}
    ${why.length ? `<ul class="why">${why.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
    ${a.error ? `<pre class="error">${esc(`${a.error.code}: ${a.error.message}`)}</pre>` : ''}
    ${a.log.length ? `<details${a.status === 'failed' || a.status === 'running' ? ' open' : ''}><summary class="muted">log (last ${a.log.length} lines)</summary><pre class="log">${esc(a.log.join('\n'))}</pre></details>` : ''}</div>`;
}

async function showNode(node: string): Promise<void> {
  selected = node;
  // the selection is part of the address: reload, back and a shared link open the same node
  if (decodeURIComponent(location.hash.slice(1)) !== node) history.replaceState(null, '', `#${encodeURIComponent(node)}`);
  redraw();
  const panel = $('#panel');
  try {
    const actions = await getJson<ActionDetail[]>(`${api}/nodes/${encodeURIComponent(node)}`);
    if (selected !== node) return;
    const kind = view.graph.find((g) => g.name === node)?.kind ?? '';
    panel.innerHTML = `<h2>${esc(node)} <span class="muted" style="font-weight:400">${esc(kind)} · ${actions.length} action${actions.length === 1 ? '' : 's'}</span></h2>
      ${kind === 'export' && actions.some((a) => a.status === 'ran' || a.status === 'cached')
    ? `<p><a class="segment" href="/runs/${encodeURIComponent(runId)}/segment/">Segment an image in the browser with this model →</a></p>` : ''}
      ${actions.length ? actions.map(actionHtml).join('') : '<p class="muted">No action has started yet.</p>'}`;
  } catch (err) {
    showError(panel, err);
  }
}

async function loadCurves(): Promise<void> {
  const { curves, notes } = await getJson<{ curves: FoldCurves[]; notes: string[] }>(`${api}/curves`);
  const box = $('#curves');
  if (curves.length) drawCurves(box, curves, plots);
  else box.innerHTML = `<p class="muted">${view.graph.some((g) => g.kind === 'train-fold') ? 'No epoch finished yet.' : 'This pipeline trains nothing.'}</p>`;
  $('#curve-notes').innerHTML = notes.map((n) => `<li>${esc(n)}</li>`).join('');
}

async function loadResults(): Promise<void> {
  const box = $('#results');
  if (view.status === 'running') {
    box.innerHTML = '<p class="muted">Results come when the run ends.</p>';
    return;
  }
  if (view.status === 'interrupted') {
    box.innerHTML = '<p class="muted">The run\'s process ended before the run did (killed?): it has no results. '
      + 'Running the same pipeline again picks up where it stopped.</p>';
    return;
  }
  try {
    renderResults(box, await getJson<ResultsView>(`${api}/results`), (row, c) => {
      openCase($('#viewer'), runId, row, c).catch((err) => showError($('#viewer'), err));
    });
  } catch (err) {
    showError(box, err);
  }
}

/** Debounced: events can come many per second, a refetch once a second is plenty. */
function later(fn: () => Promise<void>, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    timer ??= setTimeout(() => { timer = undefined; fn().catch(() => undefined); }, ms);
  };
}

function follow(): void {
  const trainNodes = new Set(view.graph.filter((g) => g.kind === 'train-fold').map((g) => g.name));
  const curvesLater = later(loadCurves, 1000);
  const panelLater = later(async () => { if (selected) await showNode(selected); }, 500);
  const epochs = new Map<string, string>();
  const source = new EventSource(`${api}/events?from=${view.offset}`);
  source.addEventListener('engine', (msg) => {
    const e = JSON.parse((msg as MessageEvent<string>).data) as LoggedEvent;
    const a = applyEvent(live, e);
    redraw();
    if (a && a.node === selected) panelLater();
    // a train-fold action logs a new epoch in its progress message; its end brings the final curves
    if (a && trainNodes.has(a.node)) {
      const epoch = a.progress?.message ?? a.status;
      if (epochs.get(a.id) !== epoch) { epochs.set(a.id, epoch); curvesLater(); }
    }
  });
  source.addEventListener('end', () => {
    source.close();
    // the run record is written now: the finished view has why-texts, metrics and results
    void start();
  });
}

async function start(): Promise<void> {
  view = await getJson<RunView>(api);
  const linked = decodeURIComponent(location.hash.slice(1));
  if (linked && view.graph.some((g) => g.name === linked)) selected = linked;
  live = { runId, pipeline: view.pipeline, text: '', params: view.params, store: '', startedAt: Date.parse(view.startedAt),
    lastAt: Date.now(), actions: new Map(view.actions.map((a) => [a.id, a])), logs: new Map() };
  redraw();
  if (selected) void showNode(selected);
  await Promise.all([loadCurves(), loadResults()]);
  if (view.live) follow();
}

layout();
$('#dag').addEventListener('click', (ev) => {
  const g = (ev.target as Element).closest<SVGGElement>('g.node');
  if (g?.dataset.node) void showNode(g.dataset.node);
});
// a running run's elapsed times tick without any request
setInterval(() => { if (view?.status === 'running') redraw(); }, 1000);
start().catch((err) => showError(app, err));

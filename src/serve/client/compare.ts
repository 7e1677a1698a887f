/** Compare runs: the data of `nnunet runs compare` (params and action statuses that differ, Dice per label). */
import type { Comparison } from '../../tracking/compare.js';
import { $, badge, esc, fmt, getJson, showError } from './dom.js';

const app = $('#app');
const ids = new URLSearchParams(location.search).get('ids') ?? '';

const value = (v: unknown): string => (v === undefined ? '<span class="muted">–</span>' : esc(typeof v === 'string' ? v : JSON.stringify(v)));

function render(c: Comparison): void {
  const head = `<tr><th class="l"></th>${c.runs.map((r) => `<th class="l"><a href="/runs/${encodeURIComponent(r.id)}">${esc(r.id)}</a>${r.name ? `<br><span class="muted">${esc(r.name)}</span>` : ''}</th>`).join('')}</tr>`;
  const best = (values: Array<number | null>): number => Math.max(...values.map((v) => v ?? -Infinity));
  app.innerHTML = `<h1>Compare ${c.runs.length} runs</h1>
  <section class="card"><h2>Runs</h2><table class="runs-head">${head}
    <tr><td class="l">status</td>${c.runs.map((r) => `<td class="l">${badge(r.status)}</td>`).join('')}</tr>
    ${c.runs.some((r) => r.commit) ? `<tr><td class="l">git commit</td>${c.runs.map((r) => `<td class="l"><code>${esc(r.commit ?? '')}</code></td>`).join('')}</tr>` : ''}</table></section>
  <section class="card"><h2>Params that differ</h2>${c.params.length ? `<table class="params">${head}
    ${c.params.map((p) => `<tr data-key="${esc(p.key)}"><td class="l"><code>${esc(p.key)}</code></td>${p.values.map((v, i) => `<td class="l">${value(p.missing?.includes(i) ? undefined : v)}</td>`).join('')}</tr>`).join('')}</table>`
    : '<p class="muted">Every param is the same.</p>'}</section>
  <section class="card"><h2>Dice</h2>${c.metrics.length ? `<table class="metrics">${head}
    ${c.metrics.map((m) => `<tr><td class="l">${esc(`${m.configuration} · ${m.scope} · ${m.label === 'foreground mean' ? m.label : `label ${m.label}`}`)}</td>
      ${m.values.map((v) => `<td${v !== null && v === best(m.values) && c.runs.length > 1 ? ' style="font-weight:700"' : ''}>${fmt(v)}</td>`).join('')}</tr>`).join('')}</table>`
    : '<p class="muted">None of these runs evaluated anything.</p>'}</section>
  <section class="card"><h2>Actions whose status differs</h2>${c.statuses.length ? `<div class="scroll"><table class="statuses">${head}
    ${c.statuses.map((s) => `<tr><td class="l"><code>${esc(s.action)}</code></td>${s.values.map((v) => `<td class="l">${v ? badge(v) : '<span class="muted">–</span>'}</td>`).join('')}</tr>`).join('')}</table></div>`
    : '<p class="muted">Every action has the same status.</p>'}</section>`;
}

getJson<Comparison>(`/api/compare?ids=${encodeURIComponent(ids).replace(/%2C/g, ',')}`).then(render, (err) => showError(app, err));

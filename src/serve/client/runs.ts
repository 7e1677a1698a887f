/** The runs page: every run, newest first; filter by pipeline; tick two or more to compare them. */
import type { RunSummary } from '../shared/types.js';
import { $, badge, esc, fmt, getJson, seconds, showError, when } from './dom.js';

const app = $('#app');

/**
 * find-best's ids read as what they are: `nnUNetTrainer__nnUNetPlans__2d` -> 2d, and
 * `ensemble___<id>___<id>___0_1` -> ensemble 2d + 3d_fullres (the whole id stays in the cell's tooltip).
 */
function modelLabel(id: string): string {
  const configuration = (model: string): string => model.split('__').pop() ?? model;
  if (!id.startsWith('ensemble___')) return configuration(id);
  const [, a, b] = id.split('___');
  return a && b ? `ensemble ${configuration(a)} + ${configuration(b)}` : id;
}

function render(runs: RunSummary[]): void {
  const pipelines = [...new Set(runs.map((r) => r.pipeline))].sort();
  app.innerHTML = `<h1>Runs</h1><section class="card">
    <div class="toolbar"><label>pipeline <select id="pipeline"><option value="">all (${runs.length})</option>
    ${pipelines.map((p) => `<option value="${esc(p)}">${esc(p)} (${runs.filter((r) => r.pipeline === p).length})</option>`).join('')}</select></label>
    <button id="compare" disabled>compare selected</button><span class="muted" id="hint">tick 2 or more finished runs to compare</span></div>
    <div class="scroll"><table class="runs"><thead><tr><th></th><th class="l">run</th><th class="l">status</th><th class="l">pipeline</th>
    <th class="l">started</th><th>duration</th><th class="l">actions</th><th class="l">best configuration</th><th>Dice</th></tr></thead><tbody>
    ${runs.map((r) => `<tr data-pipeline="${esc(r.pipeline)}" data-run="${esc(r.id)}">
      <td><input type="checkbox" aria-label="compare run ${esc(r.id)}" value="${esc(r.id)}" ${r.status === 'running' || r.status === 'interrupted' ? 'disabled' : ''}></td>
      <td class="l"><a href="/runs/${encodeURIComponent(r.id)}">${esc(r.id)}</a>${r.name ? ` <span class="muted">${esc(r.name)}</span>` : ''}</td>
      <td class="l">${badge(r.status)}</td><td class="l">${esc(r.pipeline)}</td><td class="l">${esc(when(r.startedAt))}</td>
      <td>${seconds(r.durationMs)}</td><td class="l muted">${esc(Object.entries(r.counts).map(([k, v]) => `${v} ${k}`).join(', '))}</td>
      <td class="l" title="${esc(r.headline?.configuration ?? '')}">${esc(modelLabel(r.headline?.configuration ?? ''))}</td><td>${r.headline ? fmt(r.headline.dice) : ''}</td></tr>`).join('')}
    </tbody></table></div>${runs.length ? '' : '<p class="muted">No runs yet: start one with <code>npx nnunet run &lt;pipeline.yaml&gt;</code>; it shows up here.</p>'}</section>`;

  const select = $<HTMLSelectElement>('#pipeline');
  select.addEventListener('change', () => {
    for (const tr of app.querySelectorAll<HTMLTableRowElement>('tbody tr')) tr.hidden = !!select.value && tr.dataset.pipeline !== select.value;
  });
  const button = $<HTMLButtonElement>('#compare');
  const ticked = (): string[] => [...app.querySelectorAll<HTMLInputElement>('tbody input:checked')].filter((i) => !i.closest('tr')!.hidden).map((i) => i.value);
  app.addEventListener('change', () => { button.disabled = ticked().length < 2; });
  button.addEventListener('click', () => { location.href = `/compare?ids=${ticked().map(encodeURIComponent).join(',')}`; });
}

getJson<RunSummary[]>('/api/runs').then(render, (err) => showError(app, err));

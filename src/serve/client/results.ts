/** Results: Dice per label and fold with label names, model selection, postprocessing, cases worst first. */
import type { CaseView, ResultsView } from '../shared/types.js';
import { esc, fmt } from './dom.js';

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export function renderResults(box: HTMLElement, r: ResultsView, onCase: (row: number, c: CaseView) => void): void {
  const keys = [...new Set(r.dice.flatMap((d) => Object.keys(d.labels)))];
  const name = (k: string): string => (r.labelNames[k] ? `${esc(r.labelNames[k])} <span class="muted">(${esc(k)})</span>` : `label ${esc(k)}`);
  const caseKeys = [...new Set(r.cases.flatMap((c) => Object.keys(c.dice)))];
  const sel = r.selection;
  box.innerHTML = `
  ${sel.chosen || sel.postprocessing ? `<div class="meta">
    ${sel.chosen ? `<span class="chosen"><b>chosen</b>${esc(sel.chosen.configuration)} (mean foreground Dice ${fmt(num(sel.chosen.dice))})</span>` : ''}
    ${sel.postprocessing ? `<span class="post"><b>postprocessing</b>${esc(sel.postprocessing.text)}: Dice ${fmt(num(sel.postprocessing.before))} → ${fmt(num(sel.postprocessing.after))}</span>` : ''}</div>` : ''}
  ${r.dice.length ? `<table class="dice"><thead><tr><th class="l">configuration</th><th class="l">fold</th>${keys.map((k) => `<th>${name(k)}</th>`).join('')}<th>mean foreground</th><th>cases</th></tr></thead>
    <tbody>${r.dice.map((d) => `<tr class="${d.scope}"><td class="l">${esc(d.configuration)}</td><td class="l">${d.scope === 'crossval' ? '<b>cross-validation</b>' : esc(d.fold)}</td>
      ${keys.map((k) => `<td>${fmt(d.labels[k])}</td>`).join('')}<td><b>${fmt(d.foregroundMean)}</b></td><td>${d.cases}</td></tr>`).join('')}</tbody></table>`
    : '<p class="muted">No validation or cross-validation summaries in this run.</p>'}
  <h2 style="margin-top:16px">Cases, worst first <span class="muted" style="font-weight:400">click one to open it in the viewer</span></h2>
  ${r.cases.length ? `<div class="scroll"><table class="cases"><thead><tr><th class="l">configuration</th><th class="l">case</th>${caseKeys.map((k) => `<th>${name(k)}</th>`).join('')}<th>mean</th></tr></thead>
    <tbody>${r.cases.map((c, i) => `<tr class="click" data-row="${i}"><td class="l">${esc(c.configuration)}</td><td class="l">${esc(c.id)}</td>
      ${caseKeys.map((k) => `<td>${fmt(c.dice[k])}</td>`).join('')}<td><b>${fmt(c.mean)}</b></td></tr>`).join('')}</tbody></table></div>`
    : '<p class="muted">No per-case metrics in this run.</p>'}
  ${r.notes.length ? `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}`;
  box.querySelector('table.cases')?.addEventListener('click', (ev) => {
    const tr = (ev.target as HTMLElement).closest<HTMLTableRowElement>('tr[data-row]');
    if (!tr) return;
    box.querySelectorAll('tr.sel').forEach((t) => t.classList.remove('sel'));
    tr.classList.add('sel');
    const row = Number(tr.dataset.row);
    onCase(row, r.cases[row]);
  });
}

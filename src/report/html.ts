/** The report page: one self-contained HTML string (inline CSS and SVG, PNGs as data: URIs, no scripts). */
import { flatten, type RunRecord } from '../engine/index.js';
import { lineChart } from './chart-svg.js';
import type { CaseRow, DiceRow, FoldCurves } from './collect.js';
import type { DagNode } from './dag.js';
import { dagSvg, STATUS_COLORS } from './dag-svg.js';
import { esc, fmt, seconds } from './escape.js';
import type { LabelValue } from '../../nodes/dataset/format.js';
import { describeOperations } from '../../nodes/postprocess/describe.js';

export interface Overlay { row: CaseRow; which: 'worst' | 'best'; png?: Buffer; error?: string }

export interface PageParts {
  record: RunRecord;
  dag: DagNode[];
  curves: FoldCurves[];
  dice: DiceRow[];
  cases: CaseRow[];
  overlays: Overlay[];
  notes: string[];
  labels: Record<string, LabelValue>;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.dag .edge{fill:none;stroke:#999;stroke-width:1.5}.dag text{fill:#fff;font-size:11px}.dag .name{font-weight:bold;font-size:12px}
.curve text{font-size:10px;fill:#444}.curve .axis{stroke:#666}.curves{display:flex;flex-wrap:wrap;gap:8px}
.scroll{overflow-x:auto}.notes li{color:#8a5a00}.legend span{display:inline-block;padding:0 6px;margin-right:4px;color:#fff;border-radius:3px}
tr.best td{font-weight:bold}figure{display:inline-block;margin:8px 16px 8px 0}figcaption{font-size:12px;color:#555}`;

function header(r: RunRecord): string {
  const rows: Array<[string, string]> = [
    ['status', r.status], ['started', r.startedAt], ['duration', seconds(r.durationMs)],
    ['pipeline', `${r.pipeline.name ?? ''} ${r.pipeline.file ?? '(text)'} (${r.pipeline.digest.slice(0, 12)})`],
    ...(r.git ? [['code', `${r.git.commit.slice(0, 12)}${r.git.dirty ? ' (uncommitted changes)' : ''}`] as [string, string]] : []),
    ...(r.tags?.length ? [['tags', r.tags.join(', ')] as [string, string]] : []),
    ['actions', Object.entries(r.summary ?? {}).map(([k, v]) => `${v} ${k}`).join(', ')],
  ];
  return `<table class="run">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function paramsTable(r: RunRecord): string {
  const rows = Object.entries(flatten(r.params));
  if (!rows.length) return '';
  return `<details open><summary>params</summary><table class="params">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(JSON.stringify(v))}</td></tr>`).join('')}</table></details>`;
}

function curvesSection(curves: readonly FoldCurves[]): string {
  if (!curves.length) return '<p class="missing">No training logs in this run.</p>';
  return curves.map((c) => {
    const x = c.log.map((e) => e.epoch);
    const classes = Math.max(0, ...c.log.map((e) => e.pseudo_dice.length));
    const dice = [
      ...Array.from({ length: classes }, (_, k) => ({ name: `pseudo dice ${k + 1}`, values: c.log.map((e) => e.pseudo_dice[k] ?? null) })),
      { name: 'ema fg dice', values: c.log.map((e) => e.ema_fg_dice) },
    ];
    const title = `${c.configuration} fold ${c.fold}`;
    return `<h3>${esc(title)}</h3><div class="curves" data-action="${esc(c.action)}">`
      + lineChart(`${title}: loss`, x, [{ name: 'train loss', values: c.log.map((e) => e.train_loss) }, { name: 'val loss', values: c.log.map((e) => e.val_loss) }])
      + lineChart(`${title}: pseudo Dice`, x, dice)
      + lineChart(`${title}: learning rate`, x, [{ name: 'lr', values: c.log.map((e) => e.lr) }])
      + (c.epochTimes ? lineChart(`${title}: epoch duration (s)`, x, [{ name: 'seconds', values: c.log.map((e) => c.epochTimes![e.epoch] ?? null) }]) : '')
      + '</div>';
  }).join('');
}

function diceSection(rows: readonly DiceRow[]): string {
  if (!rows.length) return '<p class="missing">No validation or cross-validation summaries in this run.</p>';
  const configs = [...new Set(rows.map((r) => r.configuration))];
  return configs.map((cfg) => {
    const list = rows.filter((r) => r.configuration === cfg)
      .sort((a, b) => (a.scope === b.scope ? a.fold.localeCompare(b.fold, undefined, { numeric: true }) : a.scope === 'fold' ? -1 : 1));
    const labels = [...new Set(list.flatMap((r) => Object.keys(r.labels)))];
    const head = `<tr><th>fold</th>${labels.map((l) => `<th>Dice ${esc(l)}</th>`).join('')}<th>foreground mean</th><th>cases</th></tr>`;
    const body = list.map((r) => `<tr class="${r.scope}"><td>${r.scope === 'crossval' ? 'cross-validation' : esc(r.fold)}</td>`
      + `${labels.map((l) => `<td>${fmt(r.labels[l])}</td>`).join('')}<td>${fmt(r.foregroundMean)}</td><td>${r.cases}</td></tr>`).join('');
    return `<h3>${esc(cfg)}</h3><table class="dice" data-configuration="${esc(cfg)}">${head}${body}</table>`;
  }).join('');
}

function casesSection(rows: readonly CaseRow[]): string {
  if (!rows.length) return '<p class="missing">No per-case metrics in this run.</p>';
  const labels = [...new Set(rows.flatMap((r) => Object.keys(r.dice)))];
  const head = `<tr><th>case</th><th>configuration</th>${labels.map((l) => `<th>Dice ${esc(l)}</th>`).join('')}<th>mean</th></tr>`;
  const body = rows.map((r) => `<tr><td>${esc(r.id)}</td><td>${esc(r.configuration)}</td>`
    + `${labels.map((l) => `<td>${fmt(r.dice[l])}</td>`).join('')}<td>${fmt(r.mean)}</td></tr>`).join('');
  return `<p>Sorted by mean Dice over the labels present, worst first.</p><table class="cases">${head}${body}</table>`;
}

/** find-best's candidates and postprocess's effect, from the metrics those actions recorded. */
function selectionSection(r: RunRecord, labels: Record<string, LabelValue>): string {
  const parts: string[] = [];
  for (const n of r.nodes.filter((x) => x.kind === 'find-best' && x.status !== 'failed')) {
    const all = Object.entries((n.metrics.all ?? {}) as Record<string, number>).sort((a, b) => b[1] - a[1]);
    parts.push(`<table class="selection"><tr><th>candidate</th><th>cross-validation foreground Dice</th></tr>${all.map(([id, v]) =>
      `<tr${id === n.metrics.best ? ' class="best"' : ''}><td>${esc(id)}${id === n.metrics.best ? ' (chosen)' : ''}</td><td>${fmt(v)}</td></tr>`).join('')}</table>`);
  }
  for (const n of r.nodes.filter((x) => x.kind === 'postprocess' && x.status !== 'failed')) {
    const m = n.metrics as { operations?: string[]; mean_fg_dice_before?: number; mean_fg_dice_after?: number };
    parts.push(`<p class="postprocess">Postprocessing: ${m.operations?.length ? esc(describeOperations(m.operations, labels)) : 'none chosen'}; `
      + `foreground Dice ${fmt(m.mean_fg_dice_before)} → ${fmt(m.mean_fg_dice_after)}.</p>`);
  }
  return parts.length ? `<h2 id="selection">Model selection</h2>${parts.join('')}` : '';
}

function overlaysSection(overlays: readonly Overlay[]): string {
  if (!overlays.length) return '<p class="missing">No cases with image, reference and prediction to draw.</p>';
  return '<p>Middle slice through the foreground: image, reference, prediction.</p>' + overlays.map((o) => {
    const caption = `${o.which}: ${o.row.id} (${o.row.configuration}), mean Dice ${fmt(o.row.mean)}`;
    const body = o.png ? `<img class="overlay" alt="${esc(caption)}" src="data:image/png;base64,${o.png.toString('base64')}" />` : `<p class="missing">${esc(o.error ?? '')}</p>`;
    return `<figure data-which="${o.which}">${body}<figcaption>${esc(caption)}</figcaption></figure>`;
  }).join('');
}

export function renderPage(p: PageParts): string {
  const r = p.record;
  const legend = Object.entries(STATUS_COLORS).map(([s, c]) => `<span style="background:${c}">${s}</span>`).join('');
  const notes = p.notes.length ? `<h2>Notes</h2><ul class="notes">${p.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nnunet run ${esc(r.id)}</title><style>${CSS}</style></head><body>
<h1>Run ${esc(r.id)}${r.name ? ` – ${esc(r.name)}` : ''}</h1>${header(r)}${paramsTable(r)}
<h2 id="dag">Pipeline</h2><p class="legend">${legend}</p><div class="scroll">${dagSvg(p.dag)}</div>
<h2 id="curves">Training curves</h2>${curvesSection(p.curves)}
<h2 id="dice">Dice</h2>${diceSection(p.dice)}
${selectionSection(r, p.labels)}
<h2 id="cases">Cases</h2>${casesSection(p.cases)}
<h2 id="overlays">Worst and best cases</h2>${overlaysSection(p.overlays)}
${notes}</body></html>
`;
}

/**
 * Training curves with uPlot: one chart per quantity (losses, pseudo Dice, its EMA, learning rate, epoch time),
 * every fold overlaid as its own series, with the legend showing the values under the cursor.
 */
import uPlot from 'uplot';
import type { FoldCurves } from '../../report/collect.js';

const PALETTE = ['#2c5f9e', '#d9480f', '#2f9e44', '#9c36b5', '#e8590c', '#1098ad', '#c2255c', '#5c940d', '#364fc7', '#a61e4d'];

interface Quantity { title: string; series: Array<{ suffix: string; dash?: number[]; value(c: FoldCurves, epoch: number): number | null }> }

const QUANTITIES: Quantity[] = [
  { title: 'loss (solid: train, dashed: validation)', series: [
    { suffix: 'train', value: (c, e) => c.log[e]?.train_loss ?? null },
    { suffix: 'val', dash: [6, 4], value: (c, e) => c.log[e]?.val_loss ?? null }] },
  { title: 'pseudo Dice (mean foreground)', series: [{ suffix: '', value: (c, e) => c.log[e]?.mean_fg_dice ?? null }] },
  { title: 'pseudo Dice EMA', series: [{ suffix: '', value: (c, e) => c.log[e]?.ema_fg_dice ?? null }] },
  { title: 'learning rate', series: [{ suffix: '', value: (c, e) => c.log[e]?.lr ?? null }] },
  { title: 'epoch time (s)', series: [{ suffix: '', value: (c, e) => c.epochTimes?.[e] ?? null }] },
];

const label = (c: FoldCurves): string => `${c.configuration} fold ${c.fold}`;
const finite = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? null : v);

export function drawCurves(box: HTMLElement, curves: readonly FoldCurves[], plots: uPlot[]): void {
  for (const p of plots.splice(0)) p.destroy();
  box.innerHTML = '';
  const epochs = Math.max(0, ...curves.map((c) => c.log.length));
  const xs = Array.from({ length: epochs }, (_, i) => i);
  // as many columns as fit at 400 px (the grid in app.css), charts filling their column
  const columns = Math.max(1, Math.floor((box.clientWidth + 20) / 420));
  const width = Math.max(320, Math.floor((box.clientWidth - (columns - 1) * 20) / columns));
  for (const q of QUANTITIES) {
    if (q.title.startsWith('epoch time') && !curves.some((c) => c.epochTimes?.some((t) => t !== null))) continue;
    const div = document.createElement('div');
    div.className = 'chart';
    div.innerHTML = `<h3>${q.title}</h3>`;
    box.append(div);
    const series: uPlot.Series[] = [{ label: 'epoch' }];
    const data: Array<Array<number | null>> = [xs];
    curves.forEach((c, i) => {
      for (const s of q.series) {
        series.push({ label: s.suffix ? `${label(c)} ${s.suffix}` : label(c), stroke: PALETTE[i % PALETTE.length], width: 2,
          ...(s.dash ? { dash: s.dash } : {}), points: { show: epochs < 40 }, value: (_u, v) => (v === null || v === undefined ? '–' : Number(v).toPrecision(4)) });
        data.push(xs.map((e) => finite(s.value(c, e))));
      }
    });
    div.dataset.series = String(series.length - 1);
    div.dataset.folds = String(curves.length);
    plots.push(new uPlot({
      width, height: 220, series, legend: { live: true },
      scales: { x: { time: false } }, axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { size: 60 }], cursor: { sync: { key: 'curves' } },
    }, data as uPlot.AlignedData, div));
  }
}

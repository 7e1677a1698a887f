/** A small line chart as inline SVG (training curves): shared x axis, one polyline per series, legend. */
import { esc } from './escape.js';

export interface Series {
  name: string;
  /** one value per x; null leaves a gap (NaN pseudo Dice) */
  values: ReadonlyArray<number | null>;
}

const W = 360;
const H = 200;
const M = { l: 52, r: 10, t: 24, b: 40 };
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];

/** Tick label: short and exact enough for losses (~1), Dice (0..1) and learning rates (1e-2..1e-5). */
const tick = (v: number): string => (v !== 0 && Math.abs(v) < 1e-2 ? v.toExponential(1) : String(Number(v.toPrecision(3))));

export function lineChart(title: string, x: readonly number[], series: readonly Series[], xLabel = 'epoch'): string {
  const finite = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  let [lo, hi] = finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1];
  if (lo === hi) [lo, hi] = [lo - 0.5 * (Math.abs(lo) || 1), hi + 0.5 * (Math.abs(hi) || 1)];
  const [x0, x1] = x.length ? [x[0], x[x.length - 1]] : [0, 1];
  const sx = (v: number) => M.l + ((v - x0) / (x1 - x0 || 1)) * (W - M.l - M.r);
  const sy = (v: number) => H - M.b - ((v - lo) / (hi - lo)) * (H - M.t - M.b);
  const lines = series.map((s, i) => {
    // a null splits the line into runs, as matplotlib does for NaN
    const runs: string[][] = [[]];
    s.values.forEach((v, j) => {
      if (v === null || !Number.isFinite(v)) runs.push([]);
      else runs[runs.length - 1].push(`${sx(x[j]).toFixed(1)},${sy(v).toFixed(1)}`);
    });
    const color = PALETTE[i % PALETTE.length];
    return runs.filter((r) => r.length).map((r) => (r.length === 1
      ? `<circle cx="${r[0].split(',')[0]}" cy="${r[0].split(',')[1]}" r="2.5" fill="${color}" />`
      : `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${r.join(' ')}" />`)).join('');
  });
  const yTicks = [0, 0.5, 1].map((f) => lo + f * (hi - lo));
  const axes = `<line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" class="axis" />`
    + `<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" class="axis" />`
    + yTicks.map((v) => `<text x="${M.l - 4}" y="${sy(v) + 4}" text-anchor="end">${tick(v)}</text>`).join('')
    + [x0, x1].map((v) => `<text x="${sx(v)}" y="${H - M.b + 14}" text-anchor="middle">${v}</text>`).join('')
    + `<text x="${(M.l + W - M.r) / 2}" y="${H - M.b + 28}" text-anchor="middle">${esc(xLabel)}</text>`;
  const legend = series.map((s, i) => `<text x="${M.l + 6 + i * 86}" y="${M.t - 8}" fill="${PALETTE[i % PALETTE.length]}">${esc(s.name)}</text>`).join('');
  return `<svg class="curve" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`
    + `<title>${esc(title)}</title>${axes}${lines.join('')}${legend}</svg>`;
}

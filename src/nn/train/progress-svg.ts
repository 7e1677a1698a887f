/**
 * progress.svg: the panels of nnU-Net's progress.png — losses with pseudo Dice on a second axis, epoch
 * duration, learning rate — as a dependency-free SVG string. Without epoch times (a cached pipeline output,
 * which must not hold clock readings) the duration panel is left out.
 */
import type { EpochLog, EpochTimes } from './log.js';

const W = 900;
const PANEL_H = 220;
const M = { l: 60, r: 60, t: 24, b: 30 };

interface Series {
  values: (number | null)[];
  color: string;
  label: string;
  dashed?: boolean;
  /** plot against the right axis */
  right?: boolean;
}

function range(values: (number | null)[]): [number, number] {
  const ok = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!ok.length) return [0, 1];
  let lo = Math.min(...ok);
  let hi = Math.max(...ok);
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  return [lo, hi];
}

const fmt = (v: number) => (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toExponential(1));

function panel(top: number, title: string, epochs: number[], series: Series[]): string {
  const x0 = M.l, x1 = W - M.r, y0 = top + M.t, y1 = top + PANEL_H - M.b;
  const left = range(series.filter((s) => !s.right).flatMap((s) => s.values));
  const right = range(series.filter((s) => s.right).flatMap((s) => s.values));
  const maxEpoch = Math.max(1, epochs[epochs.length - 1] ?? 1);
  const px = (e: number) => x0 + ((x1 - x0) * e) / maxEpoch;
  const py = (v: number, r: [number, number]) => y1 - ((y1 - y0) * (v - r[0])) / (r[1] - r[0]);
  const parts: string[] = [
    `<text x="${x0}" y="${top + 16}" font-size="13" font-weight="bold">${title}</text>`,
    `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="#999"/>`,
    `<text x="${x0 - 4}" y="${y0 + 4}" font-size="10" text-anchor="end">${fmt(left[1])}</text>`,
    `<text x="${x0 - 4}" y="${y1}" font-size="10" text-anchor="end">${fmt(left[0])}</text>`,
    `<text x="${x1}" y="${y1 + 14}" font-size="10" text-anchor="end">epoch ${maxEpoch}</text>`,
  ];
  if (series.some((s) => s.right)) {
    parts.push(`<text x="${x1 + 4}" y="${y0 + 4}" font-size="10">${fmt(right[1])}</text>`, `<text x="${x1 + 4}" y="${y1}" font-size="10">${fmt(right[0])}</text>`);
  }
  series.forEach((s, i) => {
    const r = s.right ? right : left;
    const pts = s.values.map((v, k) => (v === null || !Number.isFinite(v) ? null : `${px(epochs[k]).toFixed(1)},${py(v, r).toFixed(1)}`)).filter((p) => p !== null);
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''} points="${pts.join(' ')}"/>`);
    parts.push(`<text x="${x0 + 8 + i * 150}" y="${y1 + 24}" font-size="11" fill="${s.color}">${s.label}</text>`);
  });
  return parts.join('\n');
}

export function progressSvg(log: readonly EpochLog[], times?: EpochTimes): string {
  const epochs = log.map((e) => e.epoch);
  const panels: Array<[string, Series[]]> = [
    ['Loss and pseudo Dice', [
      { values: log.map((e) => e.train_loss), color: '#1f77b4', label: 'loss_tr' },
      { values: log.map((e) => e.val_loss), color: '#d62728', label: 'loss_val' },
      { values: log.map((e) => e.mean_fg_dice), color: '#2ca02c', label: 'pseudo dice', dashed: true, right: true },
      { values: log.map((e) => e.ema_fg_dice), color: '#2ca02c', label: 'pseudo dice (mov. avg.)', right: true },
    ]],
    ...(times ? [['Epoch duration (s)', [{ values: log.map((e) => times[e.epoch] ?? null), color: '#1f77b4', label: 'epoch duration' }]] as [string, Series[]]] : []),
    ['Learning rate', [{ values: log.map((e) => e.lr), color: '#1f77b4', label: 'learning rate' }]],
  ];
  const body = panels.map(([title, series], i) => panel(i * PANEL_H, title, epochs, series));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${panels.length * PANEL_H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body.join('\n')}\n</svg>\n`;
}

/**
 * The DAG section: a layered SVG, one box per node with its status counts and time. Layers run top to bottom:
 * pipelines are long chains with little fan-out, so this stays narrow enough for a page. It imports no runtime
 * code beyond escaping, so `nnunet serve`'s page script draws the same DAG in the browser.
 */
import type { DagNode } from './dag.js';
import { esc, seconds } from './escape.js';

const BOX_W = 190;
const BOX_H = 54;
const GAP_X = 24;
const GAP_Y = 30;
const PAD = 10;

export const STATUS_COLORS: Record<string, string> = {
  ran: '#2f855a', cached: '#4a78b5', failed: '#c53030', aborted: '#b7791f', skipped: '#8a8a8a',
  // live runs (nnunet serve)
  running: '#dd8a1e', waiting: '#7b8794', pending: '#9aa5b1', succeeded: '#2f855a', interrupted: '#b7791f',
};

/**
 * The status a node's box is coloured by: the most alarming one any of its actions has, then what is going on
 * now (a live run); a node with no action yet is pending.
 */
export function dominantStatus(counts: Record<string, number>): string {
  return ['failed', 'aborted', 'running', 'waiting', 'skipped', 'ran', 'cached'].find((s) => counts[s]) ?? Object.keys(counts)[0] ?? 'pending';
}

export function dagSvg(nodes: readonly DagNode[]): string {
  const layers = new Map<number, DagNode[]>();
  for (const n of nodes) layers.set(n.layer, [...(layers.get(n.layer) ?? []), n]);
  const pos = new Map<string, { x: number; y: number }>();
  const maxCols = Math.max(1, ...[...layers.values()].map((l) => l.length));
  const width = PAD * 2 + maxCols * (BOX_W + GAP_X) - GAP_X;
  for (const [layer, list] of layers) {
    // each layer centred, so a lone node sits under the middle of a wide layer above it
    const x0 = PAD + ((maxCols - list.length) * (BOX_W + GAP_X)) / 2;
    list.forEach((n, i) => pos.set(n.name, { x: x0 + i * (BOX_W + GAP_X), y: PAD + layer * (BOX_H + GAP_Y) }));
  }
  const height = PAD * 2 + (Math.max(0, ...layers.keys()) + 1) * (BOX_H + GAP_Y) - GAP_Y;
  const edges = nodes.flatMap((n) => n.needs.map((d) => {
    const a = pos.get(d)!;
    const b = pos.get(n.name)!;
    const [x1, y1, x2, y2] = [a.x + BOX_W / 2, a.y + BOX_H, b.x + BOX_W / 2, b.y];
    const my = (y1 + y2) / 2;
    return `<path class="edge" d="M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}" />`;
  }));
  const boxes = nodes.map((n) => {
    const { x, y } = pos.get(n.name)!;
    const status = dominantStatus(n.counts);
    const counts = Object.entries(n.counts).map(([s, c]) => `${c} ${s}`).join(', ');
    return `<g class="node" data-node="${esc(n.name)}" data-status="${esc(status)}">`
      + `<title>${esc(`${n.name} (${n.kind}): ${counts}, ${seconds(n.durationMs)}`)}</title>`
      + `<rect x="${x}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${STATUS_COLORS[status] ?? '#666'}" />`
      + `<text x="${x + 8}" y="${y + 17}" class="name">${esc(n.name)}</text>`
      + `<text x="${x + 8}" y="${y + 32}">${esc(n.kind)} · ${esc(seconds(n.durationMs))}</text>`
      + `<text x="${x + 8}" y="${y + 46}">${esc(counts)}</text></g>`;
  });
  return `<svg class="dag" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`
    + `${edges.join('')}${boxes.join('')}</svg>`;
}

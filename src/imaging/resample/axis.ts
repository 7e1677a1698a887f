// One axis of scipy.ndimage.zoom(grid_mode=True, mode='nearest') / map_coordinates(mode='nearest'):
// output index o samples input coordinate (o + 0.5) * (n / newN) - 0.5, clamped to [0, n - 1].
import { SPLINE_PAD, prefilterCubicRows, splineStart, splineWeights } from './spline.js';

/** How many inner columns are filtered together (bounds the scratch block for long axes). */
const CHUNK = 2048;

export interface AxisPlan {
  order: number;
  /** first support index per output sample, in the (padded for order 3) line */
  start: Int32Array;
  /** (newN, order + 1) weights */
  weights: Float64Array;
  /** support indices outside the line, clamped (orders 0/1 only; order 3 reads the padding instead) */
  clampedIndex: (i: number) => number;
}

export function planAxis(n: number, newN: number, order: number): AxisPlan {
  const pad = order > 1 ? SPLINE_PAD : 0;
  const len = n + 2 * pad;
  const scale = n / newN;
  const start = new Int32Array(newN);
  const weights = new Float64Array(newN * (order + 1));
  const w = new Float64Array(order + 1);
  for (let o = 0; o < newN; o++) {
    let x = (o + 0.5) * scale - 0.5 + pad;
    x = x < 0 ? 0 : x > len - 1 ? len - 1 : x;
    start[o] = splineStart(x, order);
    splineWeights(x, order, w);
    weights.set(w, o * (order + 1));
  }
  return { order, start, weights, clampedIndex: (i) => (i < 0 ? 0 : i >= len ? len - 1 : i) };
}

/** One piece of an axis pass: the (outer, n, inner) -> (outer, newN, inner) resampling restricted to a block. */
export interface AxisJob {
  outer: number;
  n: number;
  inner: number;
  newN: number;
  order: number;
  outerFrom: number;
  outerTo: number;
  innerFrom: number;
  innerTo: number;
}

export const wholeAxisJob = (outer: number, n: number, inner: number, newN: number, order: number): AxisJob => ({
  outer, n, inner, newN, order, outerFrom: 0, outerTo: outer, innerFrom: 0, innerTo: inner,
});

/**
 * Resamples the middle axis of a C-order (outer, n, inner) array to newN samples with spline `order`
 * (0 nearest, 1 linear, 3 cubic B-spline with scipy's 12-voxel edge pad and prefilter), writing the block
 * `job` selects into `dst` ((outer, newN, inner)). Blocks are independent, so workers can share one pass.
 */
export function resampleAxisInto(src: ArrayLike<number>, dst: Float64Array, job: AxisJob): void {
  const { n, inner, newN, order } = job;
  const plan = planAxis(n, newN, order);
  const taps = order + 1;
  const pad = order > 1 ? SPLINE_PAD : 0;
  const rows = n + 2 * pad;
  const width = Math.min(job.innerTo - job.innerFrom, CHUNK);
  const block = new Float64Array(rows * width);
  const idx = new Int32Array(newN * taps);
  for (let o = 0; o < newN; o++) for (let k = 0; k < taps; k++) idx[o * taps + k] = plan.clampedIndex(plan.start[o] + k);
  for (let a = job.outerFrom; a < job.outerTo; a++) {
    for (let j0 = job.innerFrom; j0 < job.innerTo; j0 += width) {
      const wd = Math.min(width, job.innerTo - j0);
      // edge-padded block of rows (columns j0..j0+wd of every row)
      for (let r = 0; r < rows; r++) {
        const s = r - pad < 0 ? 0 : r - pad >= n ? n - 1 : r - pad;
        const from = (a * n + s) * inner + j0;
        const to = r * wd;
        for (let j = 0; j < wd; j++) block[to + j] = src[from + j];
      }
      if (order > 1) prefilterCubicRows(block, rows, wd);
      for (let o = 0; o < newN; o++) {
        const out = (a * newN + o) * inner + j0;
        for (let k = 0; k < taps; k++) {
          const wk = plan.weights[o * taps + k];
          const row = idx[o * taps + k] * wd;
          if (k === 0) for (let j = 0; j < wd; j++) dst[out + j] = wk * block[row + j];
          else for (let j = 0; j < wd; j++) dst[out + j] += wk * block[row + j];
        }
      }
    }
  }
}

/** The whole axis pass into a new array. */
export function resampleAxis(src: ArrayLike<number>, outer: number, n: number, inner: number, newN: number, order: number): Float64Array {
  const dst = new Float64Array(outer * newN * inner);
  resampleAxisInto(src, dst, wholeAxisJob(outer, n, inner, newN, order));
  return dst;
}

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
 * Lines are filtered in groups of up to CHUNK side by side (a (rows, width) scratch block walked
 * contiguously): neighbouring inner columns, or neighbouring outer lines when the axis is the last one.
 */
export function resampleAxisInto(src: ArrayLike<number>, dst: Float64Array, job: AxisJob): void {
  const { n, inner, newN, order } = job;
  const plan = planAxis(n, newN, order);
  const taps = order + 1;
  const pad = order > 1 ? SPLINE_PAD : 0;
  const rows = n + 2 * pad;
  const idx = new Int32Array(newN * taps);
  for (let o = 0; o < newN; o++) for (let k = 0; k < taps; k++) idx[o * taps + k] = plan.clampedIndex(plan.start[o] + k);
  const lastAxis = inner === 1;
  const width = Math.min(lastAxis ? job.outerTo - job.outerFrom : job.innerTo - job.innerFrom, CHUNK);
  const block = new Float64Array(rows * width);
  // column j of a group starts at srcBase + j * colStride (input) and dstBase + j * colStrideOut (output)
  const group = (srcBase: number, dstBase: number, wd: number, colStride: number, colStrideOut: number, step: number, stepOut: number) => {
    for (let r = 0; r < rows; r++) {
      const s = r - pad < 0 ? 0 : r - pad >= n ? n - 1 : r - pad;
      const from = srcBase + s * step;
      const to = r * wd;
      for (let j = 0; j < wd; j++) block[to + j] = src[from + j * colStride];
    }
    if (order > 1) prefilterCubicRows(block, rows, wd);
    for (let o = 0; o < newN; o++) {
      const out = dstBase + o * stepOut;
      for (let k = 0; k < taps; k++) {
        const wk = plan.weights[o * taps + k];
        const row = idx[o * taps + k] * wd;
        if (k === 0) for (let j = 0; j < wd; j++) dst[out + j * colStrideOut] = wk * block[row + j];
        else for (let j = 0; j < wd; j++) dst[out + j * colStrideOut] += wk * block[row + j];
      }
    }
  };
  if (lastAxis) {
    for (let a0 = job.outerFrom; a0 < job.outerTo; a0 += width) group(a0 * n, a0 * newN, Math.min(width, job.outerTo - a0), n, newN, 1, 1);
    return;
  }
  for (let a = job.outerFrom; a < job.outerTo; a++) {
    for (let j0 = job.innerFrom; j0 < job.innerTo; j0 += width) {
      group(a * n * inner + j0, a * newN * inner + j0, Math.min(width, job.innerTo - j0), 1, 1, inner, inner);
    }
  }
}

/** The whole axis pass into a new array. */
export function resampleAxis(src: ArrayLike<number>, outer: number, n: number, inner: number, newN: number, order: number): Float64Array {
  const dst = new Float64Array(outer * newN * inner);
  resampleAxisInto(src, dst, wholeAxisJob(outer, n, inner, newN, order));
  return dst;
}

// scipy.ndimage's B-spline machinery (ni_splines.c, ni_interpolation.c) for the orders nnU-Net uses (0, 1, 3).

/** The single pole of the cubic B-spline prefilter. */
const POLE3 = Math.sqrt(3) - 2;

/** Padding scipy adds (mode 'nearest', edge values) before the spline prefilter of orders > 1. */
export const SPLINE_PAD = 12;

/**
 * scipy's `get_spline_interpolation_weights`: the order + 1 weights of the knots starting at
 * floor(x) - order/2 (odd orders) or floor(x + 0.5) - order/2 (even orders).
 */
export function splineWeights(x: number, order: number, out: Float64Array): void {
  if (order === 0) {
    out[0] = 1;
    return;
  }
  const t = x - Math.floor(x);
  if (order === 1) {
    out[0] = 1 - t;
  } else {
    const z = 1 - t;
    out[0] = (z * z * z) / 6;
    out[1] = (t * t * (t - 2) * 3 + 4) / 6;
    const u = 1 - t;
    out[2] = (u * u * (u - 2) * 3 + 4) / 6;
  }
  let last = 1;
  for (let i = 0; i < order; i++) last -= out[i];
  out[order] = last;
}

/** First knot index of the support of a sample at x. */
export const splineStart = (x: number, order: number): number =>
  order & 1 ? Math.floor(x) - (order >> 1) : Math.floor(x + 0.5) - (order >> 1);

/**
 * Cubic B-spline prefilter (scipy `spline_filter1d`, order 3, mode 'nearest' = reflect boundary init) applied
 * down the rows of a (rows, width) row-major block: every column is one signal, processed together so
 * the memory walks contiguously.
 */
export function prefilterCubicRows(c: Float64Array, rows: number, width: number): void {
  const z = POLE3;
  const lambda = (1 - z) * (1 - 1 / z);
  const total = rows * width;
  for (let i = 0; i < total; i++) c[i] *= lambda;
  if (rows === 1) return;
  // causal init (_init_causal_reflect)
  const zn = Math.pow(z, rows);
  const c0 = c.slice(0, width);
  const last = (rows - 1) * width;
  for (let j = 0; j < width; j++) c[j] += zn * c[last + j];
  let zi = z;
  for (let i = 1; i < rows; i++) {
    const a = i * width;
    const b = (rows - 1 - i) * width;
    for (let j = 0; j < width; j++) c[j] += zi * (c[a + j] + zn * c[b + j]);
    zi *= z;
  }
  const scale = z / (1 - zn * zn);
  for (let j = 0; j < width; j++) c[j] = c[j] * scale + c0[j];
  // causal pass
  for (let i = 1; i < rows; i++) {
    const a = i * width;
    const p = a - width;
    for (let j = 0; j < width; j++) c[a + j] += z * c[p + j];
  }
  // anticausal init (_init_anticausal_reflect) and pass
  const k = z / (z - 1);
  for (let j = 0; j < width; j++) c[last + j] *= k;
  for (let i = rows - 2; i >= 0; i--) {
    const a = i * width;
    const n = a + width;
    for (let j = 0; j < width; j++) c[a + j] = z * (c[n + j] - c[a + j]);
  }
}

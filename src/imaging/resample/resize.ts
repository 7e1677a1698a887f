// skimage.transform.resize(mode='edge', anti_aliasing=False, clip=True) = scipy zoom(grid_mode=True,
// mode='nearest') followed by clipping to the input range; separable, one axis at a time.
import type { Shape3 } from '../volume.js';
import { resampleAxis } from './axis.js';

/** Resizes one channel (C order, `shape`) to `newShape` with spline `order` (0, 1, 3); float64 out. */
export function resizeChannel(src: ArrayLike<number>, shape: Shape3, newShape: Shape3, order: number): Float64Array {
  let cur: ArrayLike<number> = src;
  const s: Shape3 = [...shape];
  for (let axis = 0; axis < 3; axis++) {
    if (s[axis] === newShape[axis]) continue;
    const [outer, inner] = axisSplit(s, axis);
    cur = resampleAxis(cur, outer, s[axis], inner, newShape[axis], order);
    s[axis] = newShape[axis];
  }
  const out = cur instanceof Float64Array && cur !== src ? cur : Float64Array.from(cur);
  if (order > 0) clipToRangeOf(src, out);
  return out;
}

/** (outer, inner) around `axis` of a C-order shape, for an axis pass. */
export const axisSplit = (s: Shape3, axis: number): [number, number] =>
  axis === 0 ? [1, s[1] * s[2]] : axis === 1 ? [s[0], s[2]] : [s[0] * s[1], 1];

/** [min, max] of the values ([Infinity, -Infinity] when empty). */
export function valueRange(src: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** skimage's clip=True: the output is clipped to the input's [min, max]. */
export function clipToRangeOf(src: ArrayLike<number>, out: Float64Array): void {
  const [lo, hi] = valueRange(src);
  for (let i = 0; i < out.length; i++) out[i] = out[i] < lo ? lo : out[i] > hi ? hi : out[i];
}

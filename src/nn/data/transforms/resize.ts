// spec §5.6 step 7 helpers: torch interpolate 'nearest-exact' and '(bi/tri)linear' (align_corners=false),
// applied axis by axis (both are separable, so this equals the N-D kernels up to float rounding)

/** Resizes `src` (spatial `shape`) along `axis` to `newLen` into `dst`. */
export function resizeAxis(
  src: Float32Array,
  shape: readonly number[],
  axis: number,
  newLen: number,
  mode: 'nearest-exact' | 'linear',
  dst: Float32Array,
): void {
  const len = shape[axis];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  const scale = len / newLen;
  for (let p = 0; p < newLen; p++) {
    let i0: number;
    let i1: number;
    let w1: number;
    if (mode === 'nearest-exact') {
      i0 = Math.min(Math.floor((p + 0.5) * scale), len - 1);
      i1 = i0;
      w1 = 0;
    } else {
      const s = Math.max((p + 0.5) * scale - 0.5, 0);
      i0 = Math.floor(s);
      i1 = i0 < len - 1 ? i0 + 1 : i0;
      w1 = s - i0;
    }
    const w0 = 1 - w1;
    for (let o = 0; o < outer; o++) {
      const sBase = o * len * inner;
      const dBase = (o * newLen + p) * inner;
      for (let i = 0; i < inner; i++) dst[dBase + i] = w0 * src[sBase + i0 * inner + i] + w1 * src[sBase + i1 * inner + i];
    }
  }
}

/**
 * SimulateLowResolution for one channel: nearest-exact down to `small`, linear back up to `shape`, in place.
 * `a` and `b` are scratch buffers of at least the channel's voxel count.
 */
export function simulateLowResolution(channel: Float32Array, shape: readonly number[], small: readonly number[], a: Float32Array, b: Float32Array): void {
  const cur = [...shape];
  let src: Float32Array = channel;
  let dst = a;
  for (const [target, mode] of [[small, 'nearest-exact'], [shape, 'linear']] as const) {
    for (let axis = 0; axis < shape.length; axis++) {
      if (target[axis] === cur[axis]) continue;
      resizeAxis(src, cur, axis, target[axis], mode, dst);
      cur[axis] = target[axis];
      src = dst;
      dst = src === a ? b : a;
    }
  }
  if (src !== channel) channel.set(src.subarray(0, channel.length));
}

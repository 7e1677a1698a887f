// spec §5.6 step 10: flips along spatial axes (image and segmentation alike)
import type { VoxelArray } from '../../../imaging/volume.js';

/** Reverses a (C, ...spatial) array along spatial `axis` in place. */
export function flipAxis(buf: VoxelArray, channels: number, shape: readonly number[], axis: number): void {
  const len = shape[axis];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  let outer = channels;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    for (let p = 0; p < len >> 1; p++) {
      const a = base + p * inner;
      const b = base + (len - 1 - p) * inner;
      for (let i = 0; i < inner; i++) {
        const t = buf[a + i];
        buf[a + i] = buf[b + i];
        buf[b + i] = t;
      }
    }
  }
}

// spec §4.1 step 2: transpose data and seg with [0] + [t + 1 for t in transpose_forward] (channels stay first)
import type { Shape3, VoxelArray } from '../../src/imaging/volume.js';

export type Axes3 = readonly [number, number, number];

/** Spatial shape after permuting array axes: out axis i is input axis `axes[i]`. */
export const permuteShape = (shape: Shape3, axes: Axes3): Shape3 => [shape[axes[0]], shape[axes[1]], shape[axes[2]]];

export const isIdentity = (axes: Axes3): boolean => axes[0] === 0 && axes[1] === 1 && axes[2] === 2;

/**
 * numpy `arr.transpose([0, a0 + 1, a1 + 1, a2 + 1])` materialised in C order into a new array of the same type.
 * The identity returns the input itself (numpy would return a view; callers treat arrays as read-only).
 */
export function transposeChannelsFirst<T extends VoxelArray>(data: T, channels: number, shape: Shape3, axes: Axes3): T {
  if (isIdentity(axes)) return data;
  const strides = [shape[1] * shape[2], shape[2], 1];
  const [n0, n1, n2] = permuteShape(shape, axes);
  const s0 = strides[axes[0]];
  const s1 = strides[axes[1]];
  const s2 = strides[axes[2]];
  const perChannel = n0 * n1 * n2;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let c = 0; c < channels; c++) {
    const base = c * perChannel;
    let o = base;
    for (let i = 0; i < n0; i++) {
      for (let j = 0; j < n1; j++) {
        let src = base + i * s0 + j * s1;
        for (let k = 0; k < n2; k++, src += s2) out[o++] = data[src];
      }
    }
  }
  return out;
}

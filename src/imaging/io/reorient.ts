/**
 * nnU-Net's NibabelIOWithReorient: images are reoriented to RAS (nibabel's io_orientation + as_reoriented) before
 * the network sees them, and segmentations are reoriented back to the file's own orientation when written. Here a
 * volume as readImage returns it ((C, z, y, x), file axes reversed, ITK's LPS geometry) is permuted and flipped the
 * same way; `undoReorientation` is the exact inverse, so outputs go back onto the input's geometry.
 */
import type { ImageGeometry, Shape3, Volume, VoxelArray } from '../volume.js';

export interface Reorientation {
  /** for each array axis of the reoriented volume, the array axis of the file's volume it comes from */
  from: [number, number, number];
  /** whether that axis runs backwards */
  flip: [boolean, boolean, boolean];
}

/**
 * nibabel's io_orientation on the file's direction cosines in RAS: file axis by file axis, the world axis with the
 * largest component (that world axis is then taken) and its sign. Null when the file is already RAS (nothing to do).
 */
export function rasReorientation(geometry: ImageGeometry): Reorientation | null {
  if (geometry.dimension !== 3) return null;
  // ITK's direction is LPS, columns are the file axes' directions; RAS negates the first two world rows
  const r = geometry.itkDirection.map((v, k) => (k < 6 ? -v : v));
  const from: [number, number, number] = [0, 1, 2];
  const flip: [boolean, boolean, boolean] = [false, false, false];
  for (let axis = 0; axis < 3; axis++) {
    let world = 0;
    for (let w = 1; w < 3; w++) if (Math.abs(r[w * 3 + axis]) > Math.abs(r[world * 3 + axis])) world = w;
    // reoriented file axis `world` is file axis `axis`; array axes are file axes reversed
    from[2 - world] = 2 - axis;
    flip[2 - world] = r[world * 3 + axis] < 0;
    for (let c = 0; c < 3; c++) r[world * 3 + c] = 0;
  }
  return from.every((a, i) => a === i) && !flip.some(Boolean) ? null : { from, flip };
}

/** out axis b = in axis from[b] (run backwards where flip[b]), per channel. */
function permuteFlip<T extends VoxelArray>(data: T, channels: number, shape: Shape3, from: readonly number[], flip: readonly boolean[]): { data: T; shape: Shape3 } {
  const dstShape: Shape3 = [shape[from[0]], shape[from[1]], shape[from[2]]];
  const stride = [shape[1] * shape[2], shape[2], 1];
  const step = from.map((a, b) => (flip[b] ? -stride[a] : stride[a]));
  const start = from.reduce((acc, a, b) => acc + (flip[b] ? (shape[a] - 1) * stride[a] : 0), 0);
  const n = shape[0] * shape[1] * shape[2];
  const out = new (data.constructor as new (len: number) => T)(data.length);
  for (let c = 0; c < channels; c++) {
    let o = c * n;
    for (let i = 0; i < dstShape[0]; i++) for (let j = 0; j < dstShape[1]; j++) {
      let src = c * n + start + i * step[0] + j * step[1];
      for (let k = 0; k < dstShape[2]; k++, src += step[2]) out[o++] = data[src];
    }
  }
  return { data: out, shape: dstShape };
}

/** The volume the network sees; `geometry` stays the file's, which is what outputs are written with. */
export function reorientVolume<T extends VoxelArray>(vol: Volume<T>, r: Reorientation): Volume<T> {
  const { data, shape } = permuteFlip(vol.data, vol.channels, vol.shape, r.from, r.flip);
  const spacing: Shape3 = [vol.spacing[r.from[0]], vol.spacing[r.from[1]], vol.spacing[r.from[2]]];
  return { ...vol, data, shape, spacing };
}

/** Reoriented (C, ...shape) data back in the file's array layout. */
export function undoReorientation<T extends VoxelArray>(data: T, channels: number, shape: Shape3, r: Reorientation): { data: T; shape: Shape3 } {
  const back = [0, 1, 2].map((a) => r.from.indexOf(a));
  return permuteFlip(data, channels, shape, back, back.map((b) => r.flip[b]));
}

// spec §4.2: crop to the nonzero region (nnU-Net crop_to_nonzero) and its inverse for inference.
import { ImageError } from './errors.js';
import { voxelCount, type Shape3, type VoxelArray } from './volume.js';
import { fillHoles } from './fill-holes.js';

/** Half-open [start, end) per spatial axis. */
export type Bbox = [[number, number], [number, number], [number, number]];

export interface Cropped {
  data: Float32Array;
  /** int16 label map of the cropped region; -1 where the label was 0 and outside the filled nonzero mask */
  seg: Int16Array;
  shape: Shape3;
  bbox: Bbox;
}

/** OR over channels of `value != 0`, then binary_fill_holes (scipy's default cross structure). */
export function nonzeroMask(data: Float32Array, channels: number, shape: Shape3): Uint8Array {
  const n = voxelCount(shape);
  const mask = new Uint8Array(n);
  for (let c = 0; c < channels; c++) {
    const off = c * n;
    for (let i = 0; i < n; i++) if (data[off + i] !== 0) mask[i] = 1;
  }
  return fillHoles(mask, shape);
}

/** acvl_utils get_bbox_from_mask: the tightest box, or the whole image when the mask is empty. */
export function bboxOfMask(mask: Uint8Array, shape: Shape3): Bbox {
  const [a, b, c] = shape;
  const lo = [a, b, c];
  const hi = [0, 0, 0];
  let i = 0;
  for (let x = 0; x < a; x++) {
    for (let y = 0; y < b; y++) {
      for (let z = 0; z < c; z++, i++) {
        if (mask[i] === 0) continue;
        if (x < lo[0]) lo[0] = x;
        if (x >= hi[0]) hi[0] = x + 1;
        if (y < lo[1]) lo[1] = y;
        if (y >= hi[1]) hi[1] = y + 1;
        if (z < lo[2]) lo[2] = z;
        if (z >= hi[2]) hi[2] = z + 1;
      }
    }
  }
  if (hi[0] === 0) return [[0, a], [0, b], [0, c]];
  return [[lo[0], hi[0]], [lo[1], hi[1]], [lo[2], hi[2]]];
}

const bboxShape = (bbox: Bbox): Shape3 => [bbox[0][1] - bbox[0][0], bbox[1][1] - bbox[1][0], bbox[2][1] - bbox[2][0]];

/** Copies the box of every channel of a C-order (channels, ...shape) array into `out`. */
function copyBox<T extends VoxelArray>(src: VoxelArray, channels: number, shape: Shape3, bbox: Bbox, out: T): T {
  const [, b, c] = shape;
  const cz = bbox[2][1] - bbox[2][0];
  const n = voxelCount(shape);
  let o = 0;
  for (let ch = 0; ch < channels; ch++) {
    for (let x = bbox[0][0]; x < bbox[0][1]; x++) {
      for (let y = bbox[1][0]; y < bbox[1][1]; y++) {
        const start = ch * n + (x * b + y) * c + bbox[2][0];
        out.set(src.subarray(start, start + cz) as never, o);
        o += cz;
      }
    }
  }
  return out;
}

export function cropToNonzero(data: Float32Array, channels: number, shape: Shape3, seg?: VoxelArray | null): Cropped {
  const n = voxelCount(shape);
  if (data.length !== channels * n) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `cropToNonzero: ${data.length} values do not fill ${channels} x [${shape.join(', ')}]`);
  }
  if (seg && seg.length !== n) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `cropToNonzero: segmentation has ${seg.length} voxels, the image ${n}`);
  }
  const fullMask = nonzeroMask(data, channels, shape);
  const bbox = bboxOfMask(fullMask, shape);
  const cshape = bboxShape(bbox);
  const m = voxelCount(cshape);
  const cropped = copyBox(data, channels, shape, bbox, new Float32Array(channels * m));
  const mask = copyBox(fullMask, 1, shape, bbox, new Uint8Array(m));
  const out = seg ? copyBox(seg, 1, shape, bbox, new Int16Array(m)) : new Int16Array(m);
  for (let i = 0; i < m; i++) if (out[i] === 0 && mask[i] === 0) out[i] = -1;
  return { data: cropped, seg: out, shape: cshape, bbox };
}

/**
 * Inverse of the crop: places `data` ((channels, ...bbox shape)) into a new array of `fullShape`, filled
 * with `fill` (one value, or one per channel: nnU-Net pads probabilities with 1 for background, 0 otherwise).
 */
export function pasteIntoShape<T extends VoxelArray>(data: T, channels: number, bbox: Bbox, fullShape: Shape3, fill: number | number[] = 0): T {
  const [cx, cy, cz] = bboxShape(bbox);
  const m = cx * cy * cz;
  if (data.length !== channels * m) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `pasteIntoShape: ${data.length} values do not fill ${channels} x bbox [${[cx, cy, cz].join(', ')}]`);
  }
  bbox.forEach(([s, e], i) => {
    if (s < 0 || e > fullShape[i] || s > e) {
      throw new ImageError('IMAGE_BAD_ARGUMENT', `pasteIntoShape: bbox [${s}, ${e}) does not fit axis ${i} of [${fullShape.join(', ')}]`);
    }
  });
  const n = voxelCount(fullShape);
  const out = new (data.constructor as new (len: number) => T)(channels * n);
  const [, b, c] = fullShape;
  for (let ch = 0; ch < channels; ch++) {
    const f = Array.isArray(fill) ? fill[ch] : fill;
    if (f !== 0) out.fill(f, ch * n, (ch + 1) * n);
    let o = ch * m;
    for (let x = 0; x < cx; x++) {
      for (let y = 0; y < cy; y++) {
        out.set(data.subarray(o, o + cz) as never, ch * n + ((x + bbox[0][0]) * b + y + bbox[1][0]) * c + bbox[2][0]);
        o += cz;
      }
    }
  }
  return out;
}

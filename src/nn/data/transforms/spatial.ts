// spec §5.6 step 1: batchgeneratorsv2 SpatialTransform as nnU-Net configures it (rotation p 0.2, scaling p 0.2,
// no elastic deformation, centre crop, bg_style_seg_sampling off)
import { AUG } from '../constants.js';
import { cropAndPad3d } from '../crop.js';
import type { Rng } from '../rng.js';
import { roundToFloat16 } from '../float16.js';

/**
 * Draws the affine of one sample: row-major D x D matrix R·S (3D: Rz·Ry·Rx·S, angles[0] about the first grid
 * component), or null when neither rotation nor scaling fires. One scale factor for all axes.
 */
export function sampleSpatialAffine(dim: number, rotation: readonly [number, number], rng: Rng): Float64Array | null {
  const doRotation = rng.random() < AUG.pRotation;
  const doScale = rng.random() < AUG.pScaling;
  rng.random(); // elastic deformation draw (p = 0 in nnU-Net), kept so the stream matches the transform's
  const angles = Array.from({ length: dim }, () => (doRotation ? rng.uniform(rotation[0], rotation[1]) : 0));
  let scale = 1;
  if (doScale) {
    rng.random(); // p_synchronize_scaling_across_axes = 1: always one factor
    scale = rng.uniform(AUG.scalingMin, AUG.scalingMax);
  }
  if (!doRotation && !doScale) return null;
  return affineMatrix(angles, scale);
}

export function affineMatrix(angles: readonly number[], scale: number): Float64Array {
  if (angles.length === 2) {
    const [c, s] = [Math.cos(angles[0]), Math.sin(angles[0])];
    return Float64Array.from([c * scale, -s * scale, s * scale, c * scale]);
  }
  const [cx, sx] = [Math.cos(angles[0]), Math.sin(angles[0])];
  const [cy, sy] = [Math.cos(angles[1]), Math.sin(angles[1])];
  const [cz, sz] = [Math.cos(angles[2]), Math.sin(angles[2])];
  const rx = [1, 0, 0, 0, cx, -sx, 0, sx, cx];
  const ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy];
  const rz = [cz, -sz, 0, sz, cz, 0, 0, 0, 1];
  const m = mul3(mul3(rz, ry), rx);
  return Float64Array.from(m, (v) => v * scale);
}

function mul3(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out.push(a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j]);
  return out;
}

/** Reusable lookup tables for the segmentation path (one set per worker). */
export class SpatialScratch {
  readonly labelIndex = new Int32Array(65536);
  readonly present = new Uint8Array(65536);
  acc = new Float64Array(16);
}

export interface SpatialInput {
  img: Float32Array;
  channels: number;
  seg: Int16Array;
  segChannels: number;
  /** spatial shape of img/seg (2 or 3 axes) */
  shape: readonly number[];
}

/**
 * Samples the final patch out of the (larger) sampled patch. Without an affine: integer centre crop.
 * With one: a grid over the final patch is scaled to the source, multiplied by the affine, centred on the
 * source centre, and read with linear interpolation, zero padding and align_corners=false (torch grid_sample).
 * Segmentations: every label present in the channel is one-hot x1000, interpolated the same way, rounded to
 * fp16, and the per-voxel argmax wins (lowest label on ties, so voxels read from outside the source get
 * the channel's lowest label).
 *
 * Faithful quirk: batchgeneratorsv2 divides grid component k (which addresses array axis D-1-k) by
 * shape[k] / patch[k] of array axis k, i.e. the source/patch size ratios are applied in reversed axis order.
 */
export function spatialTransform(
  input: SpatialInput,
  patch: readonly number[],
  affine: Float64Array | null,
  outImg: Float32Array,
  outSeg: Int16Array,
  scratch: SpatialScratch,
): void {
  const { shape, channels, segChannels } = input;
  const dim = shape.length;
  if (affine === null) {
    const start = shape.map((s, d) => Math.floor(s / 2) - Math.floor(patch[d] / 2));
    const as3 = (v: readonly number[], lead: number) => (dim === 3 ? [...v] : [lead, ...v]);
    cropAndPad3d(input.img, [channels, ...as3(shape, 1)], as3(start, 0), as3(patch, 1), 0, outImg);
    cropAndPad3d(input.seg, [segChannels, ...as3(shape, 1)], as3(start, 0), as3(patch, 1), 0, outSeg);
    return;
  }
  // contribution of output index o along array axis a to the source pixel coordinate along array axis b
  const contrib: Float64Array[] = [];
  for (let a = 0; a < dim; a++) {
    const k = dim - 1 - a;
    const gridScale = shape[k] / patch[k];
    const t = new Float64Array(patch[a] * dim);
    for (let o = 0; o < patch[a]; o++) {
      const g = Math.fround((2 * o + 1) / patch[a] - 1) / gridScale;
      for (let b = 0; b < dim; b++) t[o * dim + b] = (g * affine[k * dim + (dim - 1 - b)] * shape[b]) / 2;
    }
    contrib.push(t);
  }
  // bgv2 re-centres the grid on its mean, which is 0 for the symmetric identity grid times a linear map
  const base = shape.map((s) => (s - 1) / 2);
  const labelSets = prepareLabels(input, scratch);
  const lead = 3 - dim;
  const sampler = new CornerSampler(dim === 3 ? shape : [1, ...shape]);
  const nOut = patch.reduce((x, y) => x * y, 1);
  const pos = new Float64Array(3);
  const p0 = dim === 3 ? patch[0] : 1;
  const p1 = patch[dim - 2];
  const p2 = patch[dim - 1];
  const [c0, c1, c2] = dim === 3 ? contrib : [null, contrib[0], contrib[1]];
  let out = 0;
  for (let i = 0; i < p0; i++) {
    for (let j = 0; j < p1; j++) {
      for (let l = 0; l < p2; l++, out++) {
        for (let b = 0; b < dim; b++) {
          pos[lead + b] = base[b] + (c0 ? c0[i * dim + b] : 0) + c1![j * dim + b] + c2![l * dim + b];
        }
        sampler.corners(pos);
        sampler.interpolate(input.img, channels, outImg, out, nOut);
        sampler.argmaxLabels(input.seg, labelSets, outSeg, out, nOut, scratch);
      }
    }
  }
}

/** Labels of the segmentation: their sorted union (indexed through scratch.labelIndex) and which occur per channel. */
interface LabelSets {
  union: Int16Array;
  /** segChannels x union.length flags */
  presentIn: Uint8Array;
}

function prepareLabels(input: SpatialInput, scratch: SpatialScratch): LabelSets {
  const n = input.seg.length / input.segChannels;
  const perChannel: number[][] = [];
  const all = new Set<number>();
  for (let c = 0; c < input.segChannels; c++) {
    const found: number[] = [];
    for (let i = c * n; i < (c + 1) * n; i++) {
      const v = input.seg[i] + 32768;
      if (scratch.present[v] === 0) {
        scratch.present[v] = 1;
        found.push(v - 32768);
      }
    }
    for (const v of found) {
      scratch.present[v + 32768] = 0;
      all.add(v);
    }
    perChannel.push(found);
  }
  const union = Int16Array.from([...all].sort((a, b) => a - b));
  union.forEach((label, i) => (scratch.labelIndex[label + 32768] = i));
  const presentIn = new Uint8Array(input.segChannels * union.length);
  perChannel.forEach((found, c) => found.forEach((label) => (presentIn[c * union.length + scratch.labelIndex[label + 32768]] = 1)));
  if (scratch.acc.length < union.length) scratch.acc = new Float64Array(union.length);
  return { union, presentIn };
}

/**
 * Linear-interpolation corners of one sampling position; corners outside the source carry weight 0.
 * 2D sources are handled as 3D with a leading axis of length 1 sampled at 0.
 */
class CornerSampler {
  readonly idx = new Int32Array(8);
  readonly w = new Float64Array(8);
  count = 0;
  private readonly n: number;
  private readonly s0: number;
  private readonly s1: number;
  private readonly s2: number;
  constructor(shape: readonly number[]) {
    this.n = shape.reduce((a, b) => a * b, 1);
    [this.s0, this.s1, this.s2] = shape;
  }
  corners(pos: Float64Array): void {
    const { s0, s1, s2 } = this;
    const x0 = Math.floor(pos[0]);
    const y0 = Math.floor(pos[1]);
    const z0 = Math.floor(pos[2]);
    const fx = pos[0] - x0;
    const fy = pos[1] - y0;
    const fz = pos[2] - z0;
    this.count = 0;
    for (let dx = 0; dx < 2; dx++) {
      const x = x0 + dx;
      if (x < 0 || x >= s0) continue;
      const wx = dx ? fx : 1 - fx;
      for (let dy = 0; dy < 2; dy++) {
        const y = y0 + dy;
        if (y < 0 || y >= s1) continue;
        const wxy = wx * (dy ? fy : 1 - fy);
        for (let dz = 0; dz < 2; dz++) {
          const z = z0 + dz;
          if (z < 0 || z >= s2) continue;
          this.idx[this.count] = (x * s1 + y) * s2 + z;
          this.w[this.count++] = wxy * (dz ? fz : 1 - fz);
        }
      }
    }
  }

  interpolate(img: Float32Array, channels: number, out: Float32Array, o: number, nOut: number): void {
    for (let c = 0; c < channels; c++) {
      const off = c * this.n;
      let v = 0;
      for (let k = 0; k < this.count; k++) v += this.w[k] * img[off + this.idx[k]];
      out[c * nOut + o] = v;
    }
  }

  /**
   * Per channel: the label whose interpolated one-hot (x1000, rounded to fp16) is largest, the lowest label on
   * ties. fp16 rounding is monotonic, so only labels before the float maximum can tie with it after rounding.
   */
  argmaxLabels(seg: Int16Array, sets: LabelSets, out: Int16Array, o: number, nOut: number, s: SpatialScratch): void {
    const { union, presentIn } = sets;
    const nLabels = union.length;
    const acc = s.acc;
    for (let c = 0; c * nLabels < presentIn.length; c++) {
      for (let i = 0; i < nLabels; i++) acc[i] = 0;
      const off = c * this.n;
      for (let k = 0; k < this.count; k++) acc[s.labelIndex[seg[off + this.idx[k]] + 32768]] += this.w[k];
      const flags = c * nLabels;
      let best = -1;
      for (let i = 0; i < nLabels; i++) if (presentIn[flags + i] === 1 && (best < 0 || acc[i] > acc[best])) best = i;
      let rounded = -1;
      for (let i = 0; i < best; i++) {
        if (presentIn[flags + i] === 0 || acc[i] === 0) continue;
        if (rounded < 0) rounded = roundToFloat16(acc[best] * AUG.segInterpScale);
        if (roundToFloat16(acc[i] * AUG.segInterpScale) === rounded) {
          best = i;
          break;
        }
      }
      out[c * nOut + o] = union[best];
    }
  }
}

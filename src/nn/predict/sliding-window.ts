// spec §6.4: sliding-window prediction with Gaussian weighting and test-time mirroring.
import * as tf from '@tensorflow/tfjs-core';
import { NnunetError } from '../../engine/errors.js';
import { computeGaussian } from './gaussian.js';
import { computeSteps, paddingToAtLeast } from './steps.js';
import { mirrorVariants } from './mirror.js';
import { throwOnGpuError } from '../webgpu/errors.js';

/** The network seen by the sliding window: [N, ...patch, C] channels-last in, logits [N, ...patch, K] out. */
export type PatchPredictor = (patch: tf.Tensor) => tf.Tensor;

/** nnU-Net's tile_step_size default: tiles overlap by half a patch */
export const DEFAULT_STEP_SIZE = 0.5;

export interface SlidingWindowOptions {
  /** 3 entries for 3D configurations; 2 for 2D ones (tiles slide over every slice along axis 0) */
  patchSize: readonly number[];
  /** output channels of the network */
  numClasses: number;
  /** test-time mirroring axes, as indices into patchSize; [] or null disables mirroring */
  mirrorAxes: readonly number[] | null;
  stepSize?: number;
  /** most network inputs per predictor call (tiles x mirror variants); bounded by memory, not by results */
  maxBatch?: number;
}

export interface CaseArray {
  /** C order (channels, s0, s1, s2) */
  data: Float32Array;
  channels: number;
  shape: readonly [number, number, number];
}

/**
 * Default batch: as many inputs as fit in about 2^21 voxels, at most 8 in 3D (the 8 flips of a 40x56x40
 * Hippocampus patch) and 32 in 2D, where small slices would otherwise leave the convolutions underfed.
 */
function defaultMaxBatch(patchVoxels: number, is2d: boolean): number {
  return Math.max(1, Math.min(is2d ? 32 : 8, Math.floor(2 ** 21 / patchVoxels)));
}

interface Tile {
  start: [number, number, number];
  /** sum over mirror variants of the un-flipped logits, (K, tile voxels) */
  sum: Float32Array;
  pending: number;
}

/** One network call the sliding window asks for: channels-last inputs of `shape`, answered with logits [..., K]. */
export interface PatchBatch {
  values: Float32Array;
  shape: number[];
  /** batches done before this one, and the case's total */
  index: number;
  total: number;
}

/**
 * Logits (K, s0, s1, s2) for one preprocessed case. Small images are zero-padded to the patch and cropped back;
 * each tile's logits are averaged over the mirror variants, weighted by the Gaussian, accumulated, and divided by
 * the accumulated weights - upstream's predict_sliding_window_return_logits, in float32.
 * The network's output is read back with `await tensor.data()`: the webgpu backend (Node and the browser page) has
 * no synchronous read, and awaiting lets a page draw its progress between batches.
 */
export async function predictSlidingWindowAsync(input: CaseArray, predictor: PatchPredictor, opts: SlidingWindowOptions,
  onBatch?: (done: number, total: number) => void): Promise<Float32Array> {
  const steps = slidingWindow(input, opts);
  let next = steps.next();
  while (!next.done) {
    const { values, shape, index, total } = next.value;
    const out = tf.tidy(() => predictor(tf.tensor(values, shape, 'float32')));
    let logits: Float32Array;
    try {
      checkOutputShape(out, shape, opts.numClasses);
      logits = (await out.data()) as Float32Array;
      throwOnGpuError('sliding-window prediction');
    } finally {
      out.dispose();
    }
    onBatch?.(index + 1, total);
    next = steps.next(logits);
  }
  return next.value;
}

/** The sliding window as a coroutine: yields each network batch, takes its logits back, returns the case's logits. */
function* slidingWindow(input: CaseArray, opts: SlidingWindowOptions): Generator<PatchBatch, Float32Array, Float32Array> {
  const is2d = opts.patchSize.length === 2;
  if (!is2d && opts.patchSize.length !== 3) {
    throw new NnunetError('PREDICT_BAD_PATCH', `patch size must have 2 or 3 entries, got [${opts.patchSize.join(', ')}]`);
  }
  // A 2D configuration is a 3D tile of depth 1: one code path for both.
  const tile3 = (is2d ? [1, ...opts.patchSize] : [...opts.patchSize]) as [number, number, number];
  const mirror = (opts.mirrorAxes ?? []).map((a) => (is2d ? a + 1 : a));
  const pad = paddingToAtLeast(input.shape, tile3);
  const [S0, S1, S2] = pad.shape;
  const C = input.channels;
  const K = opts.numClasses;
  const data = padChannels(input, pad.before, pad.shape);
  const steps = is2d
    ? [Array.from({ length: S0 }, (_, i) => i), ...computeSteps([S1, S2], opts.patchSize, opts.stepSize ?? DEFAULT_STEP_SIZE)]
    : computeSteps(pad.shape, opts.patchSize, opts.stepSize ?? DEFAULT_STEP_SIZE);
  const gaussian = computeGaussian(opts.patchSize);
  const variants = mirrorVariants(mirror);
  const [p0, p1, p2] = tile3;
  const tileVox = p0 * p1 * p2;
  const maxBatch = opts.maxBatch ?? defaultMaxBatch(tileVox, is2d);

  const total = S0 * S1 * S2;
  const acc = new Float32Array(K * total);
  const weight = new Float32Array(total);
  const netShape = is2d ? [p1, p2] : [p0, p1, p2];

  const jobs: Array<{ tile: Tile; flips: readonly boolean[] }> = [];
  for (const a of steps[0]) for (const b of steps[1]) for (const c of steps[2]) {
    const tile: Tile = { start: [a, b, c], sum: new Float32Array(0), pending: variants.length };
    for (const flips of variants) jobs.push({ tile, flips });
  }

  const batchIn = new Float32Array(Math.min(maxBatch, jobs.length) * tileVox * C);
  const batches = Math.ceil(jobs.length / maxBatch);
  for (let j0 = 0; j0 < jobs.length; j0 += maxBatch) {
    const batch = jobs.slice(j0, j0 + maxBatch);
    batch.forEach((job, b) => gatherTile(data, C, pad.shape, job.tile.start, tile3, job.flips, batchIn, b * tileVox * C));
    const out = yield {
      values: batchIn.subarray(0, batch.length * tileVox * C), shape: [batch.length, ...netShape, C], index: j0 / maxBatch, total: batches,
    };
    batch.forEach((job, b) => {
      const tile = job.tile;
      if (tile.sum.length === 0) tile.sum = new Float32Array(K * tileVox);
      addUnflipped(out, b * tileVox * K, K, tile3, job.flips, tile.sum);
      if (--tile.pending === 0) {
        accumulate(tile, K, tile3, gaussian, variants.length, pad.shape, acc, weight);
        tile.sum = new Float32Array(0);
      }
    });
  }
  for (let k = 0; k < K; k++) {
    const off = k * total;
    for (let i = 0; i < total; i++) acc[off + i] /= weight[i];
  }
  const logits = cropChannels(acc, K, pad.shape, pad.before, input.shape);
  if (!logits.every(Number.isFinite)) {
    throw new NnunetError('PREDICT_NON_FINITE', 'the network produced non-finite logits (NaN or Inf)');
  }
  return logits;
}

function checkOutputShape(out: tf.Tensor, inShape: readonly number[], K: number): void {
  const expected = [...inShape.slice(0, -1), K];
  if (out.shape.length !== expected.length || out.shape.some((s, i) => s !== expected[i])) {
    throw new NnunetError('PREDICT_BAD_NETWORK_OUTPUT',
      `network output shape [${out.shape.join(', ')}] != expected [${expected.join(', ')}]`);
  }
}

/** Copy one tile, channels-last and optionally flipped per axis, into `dst` at `dstOff`. */
function gatherTile(src: Float32Array, C: number, shape: readonly number[], start: readonly number[],
  tile: readonly number[], flips: readonly boolean[], dst: Float32Array, dstOff: number): void {
  const [, S1, S2] = shape;
  const plane = shape[0] * S1 * S2;
  const [p0, p1, p2] = tile;
  let o = dstOff;
  for (let i = 0; i < p0; i++) {
    const x = start[0] + (flips[0] ? p0 - 1 - i : i);
    for (let j = 0; j < p1; j++) {
      const y = start[1] + (flips[1] ? p1 - 1 - j : j);
      const row = (x * S1 + y) * S2 + start[2];
      for (let k = 0; k < p2; k++) {
        const v = row + (flips[2] ? p2 - 1 - k : k);
        for (let c = 0; c < C; c++) dst[o++] = src[c * plane + v];
      }
    }
  }
}

/** sum (K, tile) += network output (tile, K) read back through the same flips (flip is its own inverse). */
function addUnflipped(out: Float32Array, off: number, K: number, tile: readonly number[],
  flips: readonly boolean[], sum: Float32Array): void {
  const [p0, p1, p2] = tile;
  const vox = p0 * p1 * p2;
  let t = 0;
  for (let i = 0; i < p0; i++) {
    const fi = flips[0] ? p0 - 1 - i : i;
    for (let j = 0; j < p1; j++) {
      const fj = flips[1] ? p1 - 1 - j : j;
      for (let k = 0; k < p2; k++, t++) {
        const fk = flips[2] ? p2 - 1 - k : k;
        const src = off + ((fi * p1 + fj) * p2 + fk) * K;
        for (let c = 0; c < K; c++) sum[c * vox + t] += out[src + c];
      }
    }
  }
}

function accumulate(tile: Tile, K: number, size: readonly number[], gaussian: Float32Array, nVariants: number,
  shape: readonly number[], acc: Float32Array, weight: Float32Array): void {
  const [p0, p1, p2] = size;
  const [, S1, S2] = shape;
  const total = shape[0] * S1 * S2;
  const vox = p0 * p1 * p2;
  let t = 0;
  for (let i = 0; i < p0; i++) for (let j = 0; j < p1; j++) {
    const row = ((tile.start[0] + i) * S1 + tile.start[1] + j) * S2 + tile.start[2];
    for (let k = 0; k < p2; k++, t++) {
      const g = gaussian[t];
      weight[row + k] += g;
      for (let c = 0; c < K; c++) acc[c * total + row + k] += (tile.sum[c * vox + t] / nVariants) * g;
    }
  }
}

function padChannels(input: CaseArray, before: readonly number[], padded: readonly number[]): Float32Array {
  if (before.every((b, d) => b === 0 && padded[d] === input.shape[d])) return input.data;
  const out = new Float32Array(input.channels * padded[0] * padded[1] * padded[2]);
  copyBox(input.data, input.channels, input.shape, [0, 0, 0], out, padded, before, input.shape);
  return out;
}

function cropChannels(src: Float32Array, C: number, shape: readonly number[], start: readonly number[],
  size: readonly number[]): Float32Array {
  if (size.every((s, d) => s === shape[d])) return src;
  const out = new Float32Array(C * size[0] * size[1] * size[2]);
  copyBox(src, C, shape, start, out, size, [0, 0, 0], size);
  return out;
}

/** Copy a box of `size` from src at `srcStart` to dst at `dstStart`, for every channel (rows via subarray.set). */
function copyBox(src: Float32Array, C: number, srcShape: readonly number[], srcStart: readonly number[],
  dst: Float32Array, dstShape: readonly number[], dstStart: readonly number[], size: readonly number[]): void {
  const srcPlane = srcShape[0] * srcShape[1] * srcShape[2];
  const dstPlane = dstShape[0] * dstShape[1] * dstShape[2];
  for (let c = 0; c < C; c++) for (let i = 0; i < size[0]; i++) for (let j = 0; j < size[1]; j++) {
    const s = c * srcPlane + ((srcStart[0] + i) * srcShape[1] + srcStart[1] + j) * srcShape[2] + srcStart[2];
    const d = c * dstPlane + ((dstStart[0] + i) * dstShape[1] + dstStart[1] + j) * dstShape[2] + dstStart[2];
    dst.set(src.subarray(s, s + size[2]), d);
  }
}

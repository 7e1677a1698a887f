// spec §6.4: sliding-window prediction with Gaussian weighting and test-time mirroring.
import * as tf from '@tensorflow/tfjs-core';
import { NnunetError } from '../../engine/errors.js';
import { computeGaussian } from './gaussian.js';
import { computeSteps, paddingToAtLeast } from './steps.js';
import { mirrorVariants } from './mirror.js';
import { tunePendingConvs } from '../webgpu/conv-tuner.js';
import { throwOnGpuError } from '../webgpu/errors.js';
import { DeviceWindowAccumulator } from '../webgpu/window-accumulate.js';
import { copyBox, HostWindowAccumulator, type WindowAccumulator, type WindowGeometry, type WindowJob } from './accumulate.js';

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

/** One network call the sliding window asks for: channels-last inputs of `shape`, and which tiles they are. */
interface PatchBatch {
  values: Float32Array;
  shape: number[];
  jobs: WindowJob[];
}

/**
 * Logits (K, s0, s1, s2) for one preprocessed case. Small images are zero-padded to the patch and cropped back;
 * each tile's logits are averaged over the mirror variants, weighted by the Gaussian, accumulated, and divided by
 * the accumulated weights - upstream's predict_sliding_window_return_logits, in float32. On webgpu the sums stay
 * on the GPU and only the case's logits are read back; elsewhere each batch is read back with `await data()`.
 * Either way a batch is awaited before the next is gathered (on webgpu: the one before it, so the host prepares a
 * batch while the GPU runs the last), which lets a page draw its progress between batches.
 */
export async function predictSlidingWindowAsync(input: CaseArray, predictor: PatchPredictor, opts: SlidingWindowOptions,
  onBatch?: (done: number, total: number) => void): Promise<Float32Array> {
  const window = planWindow(input, opts);
  const acc: WindowAccumulator = tf.getBackend() === 'webgpu' && DeviceWindowAccumulator.fits(window.geometry)
    ? new DeviceWindowAccumulator(window.geometry) : new HostWindowAccumulator(window.geometry);
  let logits: Float32Array;
  try {
    let index = 0;
    for (const { values, shape, jobs } of window.batches()) {
      const out = tf.tidy(() => predictor(tf.tensor(values, shape, 'float32')));
      try {
        checkOutputShape(out, shape, opts.numClasses);
        await acc.add(out, jobs);
        throwOnGpuError('sliding-window prediction');
        await tunePendingConvs();
      } finally {
        out.dispose();
      }
      onBatch?.(++index, window.total);
    }
    logits = await acc.result();
    throwOnGpuError('sliding-window prediction');
  } finally {
    acc.dispose();
  }
  if (!logits.every(Number.isFinite)) {
    throw new NnunetError('PREDICT_NON_FINITE', 'the network produced non-finite logits (NaN or Inf)');
  }
  return logits;
}

/** The case's geometry, and its network batches (tiles x mirror variants, gathered channels-last on the host). */
function planWindow(input: CaseArray, opts: SlidingWindowOptions): { geometry: WindowGeometry; total: number; batches: () => Generator<PatchBatch> } {
  const is2d = opts.patchSize.length === 2;
  if (!is2d && opts.patchSize.length !== 3) {
    throw new NnunetError('PREDICT_BAD_PATCH', `patch size must have 2 or 3 entries, got [${opts.patchSize.join(', ')}]`);
  }
  // A 2D configuration is a 3D tile of depth 1: one code path for both.
  const tile3 = (is2d ? [1, ...opts.patchSize] : [...opts.patchSize]) as [number, number, number];
  const mirror = (opts.mirrorAxes ?? []).map((a) => (is2d ? a + 1 : a));
  const pad = paddingToAtLeast(input.shape, tile3);
  const volume = pad.shape as [number, number, number];
  const C = input.channels;
  const data = padChannels(input, pad.before, volume);
  const steps = is2d
    ? [Array.from({ length: volume[0] }, (_, i) => i), ...computeSteps([volume[1], volume[2]], opts.patchSize, opts.stepSize ?? DEFAULT_STEP_SIZE)]
    : computeSteps(volume, opts.patchSize, opts.stepSize ?? DEFAULT_STEP_SIZE);
  const variants = mirrorVariants(mirror);
  const tileVox = tile3[0] * tile3[1] * tile3[2];
  const maxBatch = opts.maxBatch ?? defaultMaxBatch(tileVox, is2d);
  const netShape = is2d ? tile3.slice(1) : tile3;

  const jobs: WindowJob[] = [];
  let tile = 0;
  for (const a of steps[0]) for (const b of steps[1]) for (const c of steps[2]) {
    variants.forEach((flips, variant) => jobs.push({ tile, start: [a, b, c], flips, variant }));
    tile++;
  }
  const geometry: WindowGeometry = {
    volume, before: pad.before, shape: input.shape, tile: tile3, classes: opts.numClasses,
    gaussian: computeGaussian(opts.patchSize), variants: variants.length,
  };
  function* batches(): Generator<PatchBatch> {
    const batchIn = new Float32Array(Math.min(maxBatch, jobs.length) * tileVox * C);
    for (let j0 = 0; j0 < jobs.length; j0 += maxBatch) {
      const batch = jobs.slice(j0, j0 + maxBatch);
      batch.forEach((job, b) => gatherTile(data, C, volume, job.start, tile3, job.flips, batchIn, b * tileVox * C));
      yield { values: batchIn.subarray(0, batch.length * tileVox * C), shape: [batch.length, ...netShape, C], jobs: batch };
    }
  }
  return { geometry, total: Math.ceil(jobs.length / maxBatch), batches };
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

function padChannels(input: CaseArray, before: readonly number[], padded: readonly number[]): Float32Array {
  if (before.every((b, d) => b === 0 && padded[d] === input.shape[d])) return input.data;
  const out = new Float32Array(input.channels * padded[0] * padded[1] * padded[2]);
  copyBox(input.data, input.channels, input.shape, [0, 0, 0], out, padded, before, input.shape);
  return out;
}


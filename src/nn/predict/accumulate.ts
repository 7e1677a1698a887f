// spec §6.4: where the sliding window's tile logits are summed, Gaussian-weighted, and divided by the weights.
import type * as tf from '@tensorflow/tfjs-core';

/** The padded volume the tiles cover and the case inside it; every value the accumulation needs. */
export interface WindowGeometry {
  /** padded shape (s0, s1, s2) */
  volume: readonly [number, number, number];
  /** where the case starts in the padded volume, and its shape */
  before: readonly number[];
  shape: readonly [number, number, number];
  tile: readonly [number, number, number];
  classes: number;
  /** importance map over the tile's voxels */
  gaussian: Float32Array;
  /** mirror variants per tile */
  variants: number;
}

/** One network input: a tile at `start`, flipped per axis as `flips`; `variant` 0 is a tile's first (unflipped). */
export interface WindowJob {
  tile: number;
  start: readonly [number, number, number];
  flips: readonly boolean[];
  variant: number;
}

/**
 * Takes each batch of network outputs (logits [B, ...tile, K], channels-last; jobs[b] is what sample b was) and
 * gives the case's logits (K, ...case shape), float32. The host one here; on webgpu the GPU one
 * (src/nn/webgpu/window-accumulate.ts), which reads back only the result.
 */
export interface WindowAccumulator {
  add(out: tf.Tensor, jobs: readonly WindowJob[]): Promise<void>;
  result(): Promise<Float32Array>;
  dispose(): void;
}

/**
 * Upstream's order of operations: a tile's mirror variants are summed first, then averaged, weighted by the Gaussian
 * and added; the weights are added once per tile. Each batch is read back with `await data()`.
 */
export class HostWindowAccumulator implements WindowAccumulator {
  private readonly acc: Float32Array;
  private readonly weight: Float32Array;
  /** per tile still waiting for variants: the sum so far (K, tile voxels) and how many variants it holds */
  private readonly pending = new Map<number, { sum: Float32Array; seen: number }>();

  constructor(private readonly g: WindowGeometry) {
    const total = g.volume[0] * g.volume[1] * g.volume[2];
    this.acc = new Float32Array(g.classes * total);
    this.weight = new Float32Array(total);
  }

  async add(out: tf.Tensor, jobs: readonly WindowJob[]): Promise<void> {
    const logits = (await out.data()) as Float32Array;
    const K = this.g.classes;
    const vox = this.g.gaussian.length;
    jobs.forEach((job, b) => {
      let tile = this.pending.get(job.tile);
      if (!tile) this.pending.set(job.tile, tile = { sum: new Float32Array(K * vox), seen: 0 });
      addUnflipped(logits, b * vox * K, K, this.g.tile, job.flips, tile.sum);
      if (++tile.seen === this.g.variants) {
        this.accumulate(job.start, tile.sum);
        this.pending.delete(job.tile);
      }
    });
  }

  private accumulate(start: readonly number[], sum: Float32Array): void {
    const [p0, p1, p2] = this.g.tile;
    const [S0, S1, S2] = this.g.volume;
    const total = S0 * S1 * S2;
    const vox = p0 * p1 * p2;
    const K = this.g.classes;
    let t = 0;
    for (let i = 0; i < p0; i++) for (let j = 0; j < p1; j++) {
      const row = ((start[0] + i) * S1 + start[1] + j) * S2 + start[2];
      for (let k = 0; k < p2; k++, t++) {
        const g = this.g.gaussian[t];
        this.weight[row + k] += g;
        for (let c = 0; c < K; c++) this.acc[c * total + row + k] += (sum[c * vox + t] / this.g.variants) * g;
      }
    }
  }

  result(): Promise<Float32Array> {
    const total = this.weight.length;
    for (let k = 0; k < this.g.classes; k++) {
      const off = k * total;
      for (let i = 0; i < total; i++) this.acc[off + i] /= this.weight[i];
    }
    return Promise.resolve(cropChannels(this.acc, this.g.classes, this.g.volume, this.g.before, this.g.shape));
  }

  dispose(): void {
    this.pending.clear();
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

export function cropChannels(src: Float32Array, C: number, shape: readonly number[], start: readonly number[],
  size: readonly number[]): Float32Array {
  if (size.every((s, d) => s === shape[d])) return src;
  const out = new Float32Array(C * size[0] * size[1] * size[2]);
  copyBox(src, C, shape, start, out, size, [0, 0, 0], size);
  return out;
}

/** Copy a box of `size` from src at `srcStart` to dst at `dstStart`, for every channel (rows via subarray.set). */
export function copyBox(src: Float32Array, C: number, srcShape: readonly number[], srcStart: readonly number[],
  dst: Float32Array, dstShape: readonly number[], dstStart: readonly number[], size: readonly number[]): void {
  const srcPlane = srcShape[0] * srcShape[1] * srcShape[2];
  const dstPlane = dstShape[0] * dstShape[1] * dstShape[2];
  for (let c = 0; c < C; c++) for (let i = 0; i < size[0]; i++) for (let j = 0; j < size[1]; j++) {
    const s = c * srcPlane + ((srcStart[0] + i) * srcShape[1] + srcStart[1] + j) * srcShape[2] + srcStart[2];
    const d = c * dstPlane + ((dstStart[0] + i) * dstShape[1] + dstStart[1] + j) * dstShape[2] + dstStart[2];
    dst.set(src.subarray(s, s + size[2]), d);
  }
}

/**
 * Deep supervision as nnU-Net: one target per decoder output at scale 1/cumprod(strides) (bottleneck dropped),
 * downsampled with nearest-exact to round_half_even(shape·scale); loss weights 2^−i with the lowest resolution
 * at 0, normalised to sum 1.
 */
import * as tf from '@tensorflow/tfjs-core';

/** S−1 weights for a network with S stages: e.g. S=4 -> [4/6, 2/6, 0]. */
export function deepSupervisionWeights(nOutputs: number): number[] {
  const w = Array.from({ length: nOutputs }, (_, i) => 1 / 2 ** i);
  if (nOutputs > 1) w[nOutputs - 1] = 0;
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / sum);
}

/** Per-output spatial scale factors from the plan's strides (first entry all ones). */
export function deepSupervisionScales(strides: number[][]): number[][] {
  const scales: number[][] = [];
  let cum = strides[0].map(() => 1);
  for (const s of strides) {
    cum = cum.map((c, i) => c * s[i]);
    scales.push(cum.map((c) => 1 / c));
  }
  return scales.slice(0, -1);
}

/** numpy/Python round(): half to even */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface ChannelsLastArray<T extends Float32Array | Int16Array = Float32Array> {
  data: T;
  /** [B, ...S, C] */
  shape: number[];
}

/**
 * PyTorch interpolate(mode='nearest-exact') of a channels-last batch to new spatial sizes:
 * src = min(floor((dst + 0.5) · in/out), in − 1) per axis.
 */
export function downsampleNearestExact(src: ChannelsLastArray, spatial: number[]): ChannelsLastArray {
  const [b, ...rest] = src.shape;
  const c = rest[rest.length - 1];
  const inS = rest.slice(0, -1);
  const r = inS.length;
  const maps = spatial.map((out, a) => {
    const m = new Int32Array(out);
    const scale = inS[a] / out;
    for (let i = 0; i < out; i++) m[i] = Math.min(Math.floor((i + 0.5) * scale), inS[a] - 1);
    return m;
  });
  const outVox = spatial.reduce((x, y) => x * y, 1);
  const inVox = inS.reduce((x, y) => x * y, 1);
  const out = new Float32Array(b * outVox * c);
  const inStrides = new Array(r).fill(1);
  for (let a = r - 2; a >= 0; a--) inStrides[a] = inStrides[a + 1] * inS[a + 1];
  const idx = new Int32Array(r);
  for (let n = 0; n < b; n++) {
    idx.fill(0);
    for (let v = 0; v < outVox; v++) {
      let off = 0;
      for (let a = 0; a < r; a++) off += maps[a][idx[a]] * inStrides[a];
      const srcBase = (n * inVox + off) * c;
      const dstBase = (n * outVox + v) * c;
      for (let k = 0; k < c; k++) out[dstBase + k] = src.data[srcBase + k];
      for (let a = r - 1; a >= 0; a--) {
        if (++idx[a] < spatial[a]) break;
        idx[a] = 0;
      }
    }
  }
  return { data: out, shape: [b, ...spatial, c] };
}

/** One target per deep-supervision output; scale 1 reuses the full-resolution target. */
export function targetPyramid(target: ChannelsLastArray, scales: number[][]): ChannelsLastArray[] {
  const spatial = target.shape.slice(1, -1);
  return scales.map((s) => {
    if (s.every((v) => v === 1)) return target;
    return downsampleNearestExact(target, spatial.map((d, i) => roundHalfEven(d * s[i])));
  });
}

/** Σ w_i · loss(output_i, target_i), skipping zero weights as nnU-Net's DeepSupervisionWrapper does. */
export function deepSupervisionLoss(
  outputs: tf.Tensor[],
  targets: tf.Tensor[],
  weights: number[],
  loss: (logits: tf.Tensor, target: tf.Tensor) => tf.Scalar,
): tf.Scalar {
  return tf.tidy(() => {
    let total: tf.Tensor = tf.scalar(0);
    outputs.forEach((o, i) => {
      if (weights[i] !== 0) total = tf.add(total, tf.mul(loss(o, targets[i]), weights[i]));
    });
    return total as tf.Scalar;
  });
}

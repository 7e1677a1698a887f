/**
 * Stock-tfjs implementation of every NetOps op. Runs on any tfjs backend; slow on pure CPU, which is why the
 * oneDNN kernels replace it at start-up when they load. It is also the numerical reference those kernels are
 * tested against, so it favours obvious correctness over speed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetOps } from './net-ops.js';

function spatialRank(x: tf.Tensor): number {
  if (x.rank !== 4 && x.rank !== 5) {
    throw new Error(`NetOps expects a 4-D (2D) or 5-D (3D) channels-last tensor, got rank ${x.rank}`);
  }
  return x.rank - 2;
}

function addBias(y: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return bias ? tf.add(y, bias) : y;
}

function conv(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | null, strides: number[], pads: number[]): tf.Tensor {
  return tf.tidy(() => {
    const r = spatialRank(x);
    const kernel = w.shape.slice(0, r);
    // PyTorch pads k//2 on both sides. tfjs 'same' is that exactly for stride 1 and odd kernels; with strides it
    // pads asymmetrically, so then pad explicitly (conv2d takes explicit pads, conv3d needs a tf.pad).
    const same = strides.every((s) => s === 1) && kernel.every((k, i) => k % 2 === 1 && pads[i] === (k - 1) / 2);
    const y = r === 3
      ? tf.conv3d(
        (same || pads.every((p) => p === 0) ? x : tf.pad(x, [[0, 0], ...pads.map((p): [number, number] => [p, p]), [0, 0]])) as tf.Tensor5D,
        w as tf.Tensor5D, strides as [number, number, number], same ? 'same' : 'valid')
      : tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides as [number, number],
        same ? 'same' : [[0, 0], [pads[0], pads[0]], [pads[1], pads[1]], [0, 0]]);
    return addBias(y, bias);
  });
}

/**
 * With kernel == stride the output blocks do not overlap, so the transposed convolution is one matrix product
 * followed by a depth-to-space rearrangement. Built from matMul/reshape/transpose it is differentiable with
 * respect to x and w on every backend (tfjs registers no gradient for Conv3DBackpropInputV2).
 */
function convTranspose(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | null, strides: number[]): tf.Tensor {
  return tf.tidy(() => {
    const r = spatialRank(x);
    const kernel = w.shape.slice(0, r);
    if (kernel.some((k, i) => k !== strides[i])) {
      throw new Error(`convTranspose supports kernel == stride only, got kernel ${kernel} stride ${strides}`);
    }
    const [n, ...rest] = x.shape;
    const spatial = rest.slice(0, r);
    const cin = rest[r];
    const cout = w.shape[r];
    const kVol = kernel.reduce((a, b) => a * b, 1);
    const x2 = tf.reshape(x, [-1, cin]);
    const w2 = tf.reshape(w, [kVol * cout, cin]);
    const y2 = tf.matMul(x2, w2, false, true);
    const blocks = tf.reshape(y2, [n, ...spatial, ...kernel, cout]);
    // [N, S0.., k0.., C] -> [N, S0, k0, S1, k1, .., C]
    const perm = [0];
    for (let i = 0; i < r; i++) perm.push(1 + i, 1 + r + i);
    perm.push(1 + 2 * r);
    const interleaved = tf.transpose(blocks, perm);
    const y = tf.reshape(interleaved, [n, ...spatial.map((s, i) => s * kernel[i]), cout]);
    return addBias(y, bias);
  });
}

function leakyRelu(x: tf.Tensor, slope: number): tf.Tensor {
  return tf.leakyRelu(x, slope);
}

function instanceNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, slope: number | null): tf.Tensor {
  return tf.tidy(() => {
    const r = spatialRank(x);
    const axes = Array.from({ length: r }, (_, i) => i + 1);
    // tf.moments is two-pass: mean first, then the mean of squared deviations (biased variance).
    const { mean, variance } = tf.moments(x, axes, true);
    const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    const y = tf.add(tf.mul(normed, gamma), beta);
    return slope === null ? y : tf.leakyRelu(y, slope);
  });
}

function concatChannels(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.concat([a, b], -1);
}

function softmax(logits: tf.Tensor): tf.Tensor {
  return tf.softmax(logits, -1);
}

export const referenceNetOps: NetOps = {
  name: 'reference',
  conv,
  convTranspose,
  instanceNorm,
  leakyRelu,
  concatChannels,
  softmax,
};

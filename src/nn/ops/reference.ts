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

/**
 * Per-channel work on 5-D tensors runs on a 4-D view [N, D, H*W, C]: the same elements in the same memory order
 * (so the same sums on the CPU backends), and tfjs's WebGPU backend cannot broadcast binary ops or transpose
 * beyond rank 4 to 6 (the browser page, src/web).
 */
function viewRank4(x: tf.Tensor): tf.Tensor {
  if (x.rank !== 5) return x;
  const [n, d, h, w, c] = x.shape as number[];
  return tf.reshape(x, [n, d, h * w, c]);
}

/** Zero padding of a 5-D tensor's spatial axes through the 4-D view [N, D, H, W*C] (W padded by p = W*C by p*C). */
function padSpatial3d(x: tf.Tensor, pads: number[]): tf.Tensor {
  const [n, d, h, w, c] = x.shape as number[];
  const [pd, ph, pw] = pads;
  const y = tf.pad(tf.reshape(x, [n, d, h, w * c]), [[0, 0], [pd, pd], [ph, ph], [pw * c, pw * c]]);
  return tf.reshape(y, [n, d + 2 * pd, h + 2 * ph, w + 2 * pw, c]);
}

function addBias(y: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return bias ? tf.reshape(tf.add(viewRank4(y), bias), y.shape) : y;
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
        (same || pads.every((p) => p === 0) ? x : padSpatial3d(x, pads)) as tf.Tensor5D,
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
    // [N*S0, S1.., k0.., k_last*C] -> [N*S0, k0, S1, k1, .., k_last*C]: N stays with S0 and C with the last k,
    // which keeps the transpose at rank 2r (WebGPU transposes up to rank 6)
    const blocks = tf.reshape(y2, [n * spatial[0], ...spatial.slice(1), ...kernel.slice(0, -1), kernel[r - 1] * cout]);
    const perm: number[] = [];
    for (let i = 0; i < r; i++) perm.push(i, r + i);
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
    spatialRank(x);
    const v = viewRank4(x);
    // tf.moments is two-pass: mean first, then the mean of squared deviations (biased variance).
    const { mean, variance } = tf.moments(v, [1, 2], true);
    const normed = tf.mul(tf.sub(v, mean), tf.rsqrt(tf.add(variance, eps)));
    const y = tf.add(tf.mul(normed, gamma), beta);
    return tf.reshape(slope === null ? y : tf.leakyRelu(y, slope), x.shape);
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

/**
 * The NetOps installed when the webgpu backend starts. The convolutions run the WGSL implicit-GEMM kernels of
 * this folder. Instance norm, concat and softmax run tfjs-backend-webgpu's stock kernels on low-rank views of
 * the same buffers ([N, voxels, C] or [rows, C]): its rank-5 broadcasting and padding shaders do not compile
 * (they index tfjs's `vec5` struct), and a reshape costs nothing. Nothing falls back to the CPU.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetOps } from '../ops/net-ops.js';
import { referenceNetOps } from '../ops/reference.js';
import { conv, convTranspose } from './conv.js';

const channels = (x: tf.Tensor): number => x.shape[x.rank - 1];
const rows = (x: tf.Tensor): tf.Tensor2D => tf.reshape(x, [-1, channels(x)]);

function instanceNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, slope: number | null): tf.Tensor {
  return tf.tidy(() => {
    const flat = tf.reshape(x, [x.shape[0], -1, channels(x)]);
    const { mean, variance } = tf.moments(flat, [1], true);
    const normed = tf.mul(tf.sub(flat, mean), tf.rsqrt(tf.add(variance, eps)));
    const y = tf.add(tf.mul(normed, gamma), beta);
    return tf.reshape(slope === null ? y : tf.leakyRelu(y, slope), x.shape);
  });
}

function concatChannels(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.reshape(tf.concat([rows(a), rows(b)], 1), [...a.shape.slice(0, -1), channels(a) + channels(b)]));
}

function softmax(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.reshape(tf.softmax(rows(logits), -1), logits.shape));
}

export const webgpuNetOps: NetOps = { ...referenceNetOps, name: 'webgpu', conv, convTranspose, instanceNorm, concatChannels, softmax };

/**
 * The NetOps installed when the webgpu backend starts. Every op but the channel concat runs a WGSL kernel of
 * this folder, forward and backward: the convolutions the implicit-GEMM kernels (conv.ts, registered as the Nn* kernels with lazy gradients), instance norm with its
 * LeakyReLU, the residual blocks' LeakyReLU and the softmax their own files, voxel reductions the column-sum
 * kernel (reduce.ts). The concat runs tfjs-backend-webgpu's stock kernel on the [rows, C] views of the same
 * buffers: its rank-5 shaders do not compile (they index tfjs's `vec5` struct), and a reshape costs nothing.
 * Nothing falls back to the CPU.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetOps } from '../ops/net-ops.js';
import { convKernel, convTransposeKernel } from '../kernels/conv-calls.js';
import { registerWebGpuConvKernels } from './conv.js';
import { instanceNorm } from './instance-norm.js';
import { leakyRelu } from './leaky-relu.js';
import { softmax } from './softmax.js';

const channels = (x: tf.Tensor): number => x.shape[x.rank - 1];
const rows = (x: tf.Tensor): tf.Tensor2D => tf.reshape(x, [-1, channels(x)]);

function concatChannels(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.reshape(tf.concat([rows(a), rows(b)], 1), [...a.shape.slice(0, -1), channels(a) + channels(b)]));
}

registerWebGpuConvKernels();

export const webgpuNetOps: NetOps = { name: 'webgpu', conv: convKernel, convTranspose: convTransposeKernel, instanceNorm, leakyRelu, concatChannels, softmax };

/**
 * The NetOps installed when the webgpu backend starts. The convolutions run the WGSL implicit-GEMM kernels of
 * this folder, voxel reductions the column-sum kernel (reduce.ts). Instance norm's elementwise parts, concat and
 * softmax run tfjs-backend-webgpu's stock kernels on low-rank views of
 * the same buffers ([N, voxels, C] or [rows, C]): its rank-5 broadcasting and padding shaders do not compile
 * (they index tfjs's `vec5` struct), and a reshape costs nothing. Nothing falls back to the CPU.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NetOps } from '../ops/net-ops.js';
import { referenceNetOps } from '../ops/reference.js';
import { conv, convTranspose } from './conv.js';
import { sumRows } from './reduce.js';

const channels = (x: tf.Tensor): number => x.shape[x.rank - 1];
const rows = (x: tf.Tensor): tf.Tensor2D => tf.reshape(x, [-1, channels(x)]);

/** Per (sample, channel) mean over the voxels of [N, V, C], as [N, 1, C]. */
const voxelMean = (t: tf.Tensor): tf.Tensor => tf.div(tf.expandDims(sumRows(t), 1), t.shape[1] as number);

/**
 * Two-pass statistics and the closed-form gradient (dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ after the
 * LeakyReLU's slope), with every reduction over voxels in sumRows.
 */
function instanceNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, slope: number | null): tf.Tensor {
  const shape = x.shape;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xs, g, b] = args as tf.Tensor[];
    const [xhat, rstd, y] = tf.tidy(() => {
      const flat = tf.reshape(xs, [shape[0], -1, channels(xs)]);
      const centred = tf.sub(flat, voxelMean(flat));
      const r = tf.rsqrt(tf.add(voxelMean(tf.square(centred)), eps));
      const xh = tf.mul(centred, r);
      const affine = tf.add(tf.mul(xh, g), b);
      return [xh, r, slope === null ? affine : tf.leakyRelu(affine, slope)];
    });
    save([xhat, rstd, y, g]);
    return {
      value: tf.reshape(y, shape),
      gradFunc: (dy: tf.Tensor, [xh, r, yv, gv]: tf.Tensor[]) => tf.tidy(() => {
        let d = tf.reshape(dy, xh.shape);
        if (slope !== null) d = tf.where(tf.greater(yv, 0), d, tf.mul(d, slope));
        const c = xh.shape[2] as number;
        const dGamma = tf.reshape(sumRows(tf.reshape(tf.mul(d, xh), [1, -1, c])), [c]);
        const dBeta = tf.reshape(sumRows(tf.reshape(d, [1, -1, c])), [c]);
        const gx = tf.mul(d, gv);
        const dx = tf.mul(r, tf.sub(tf.sub(gx, voxelMean(gx)), tf.mul(xh, voxelMean(tf.mul(gx, xh)))));
        return [tf.reshape(dx, shape), dGamma, dBeta];
      }),
    };
  });
  return f(x, gamma, beta);
}

function concatChannels(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.reshape(tf.concat([rows(a), rows(b)], 1), [...a.shape.slice(0, -1), channels(a) + channels(b)]));
}

function softmax(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.reshape(tf.softmax(rows(logits), -1), logits.shape));
}

export const webgpuNetOps: NetOps = { ...referenceNetOps, name: 'webgpu', conv, convTranspose, instanceNorm, concatChannels, softmax };

/**
 * NetOps.conv and NetOps.convTranspose on the WGSL implicit-GEMM kernels (conv-gemm.ts), differentiable with
 * tfjs customGrad. The transposed convolution (kernel == stride) is the adjoint of a strided convolution
 * (conv-geometry's transposedConvShape), so its forward is that convolution's data gradient, its data gradient
 * that convolution's forward, and its filter gradient that convolution's filter gradient with x and dy swapped.
 * Everything stays in GPU buffers: no readback.
 */
import * as tf from '@tensorflow/tfjs-core';
import { symmetricConvShape, transposedConvShape, type ConvShape } from '../kernels/conv-geometry.js';
import { ConvGemmProgram, gemmPlan, type GemmKind } from './conv-gemm.js';
import { runProgram } from './program.js';
import { sumRows } from './reduce.js';

/**
 * One product of a convolution on the GEMM kernel (conv-gemm.ts), as [M, N]. Split-K partial sums are added by
 * sumRows in a fixed order, and the bias once after that sum.
 */
export function gemm(kind: GemmKind, s: ConvShape, a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  const plan = gemmPlan(kind, s);
  const split = plan.split > 1;
  const program = new ConvGemmProgram(kind, s, plan, bias !== null && !split);
  const out = runProgram(program, bias && !split ? [a, b, bias] : [a, b]);
  const y = !split ? tf.reshape(out, [plan.M, plan.N]) : tf.tidy(() => {
    const sum = tf.reshape(sumRows(tf.reshape(out, [1, plan.split, plan.M * plan.N])), [plan.M, plan.N]);
    return bias ? tf.add(sum, bias) : sum;
  });
  out.dispose();
  return y;
}

const shapeOf = (s: ConvShape, spatial: number[], channels: number, rank: number): number[] =>
  [s.batch, ...spatial.slice(3 - (rank - 2)), channels];

/** y = conv(x, w) + bias in NetOps' terms; 2-D tensors run as depth-1 3-D ones (same buffers). */
function forward(s: ConvShape, x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  const y = gemm('fwd', s, x, w, bias);
  return tf.reshape(y, shapeOf(s, s.outSize, s.outChannels, x.rank));
}

function dataGrad(s: ConvShape, dy: tf.Tensor, w: tf.Tensor, rank: number): tf.Tensor {
  return tf.reshape(gemm('dx', s, dy, w, null), shapeOf(s, s.inSize, s.inChannels, rank));
}

function filterGrad(s: ConvShape, x: tf.Tensor, dy: tf.Tensor, wShape: number[]): tf.Tensor {
  return tf.reshape(gemm('dw', s, x, dy, null), wShape);
}

const biasGrad = (dy: tf.Tensor): tf.Tensor => tf.tidy(() => tf.reshape(sumRows(tf.reshape(dy, [1, -1, dy.shape[dy.rank - 1]])), [-1]));

export function conv(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | null, strides: number[], pads: number[]): tf.Tensor {
  const s = symmetricConvShape(x.shape, w.shape, strides, pads);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xs, ws, bs] = args as tf.Tensor[];
    save([xs, ws]);
    return {
      value: forward(s, xs, ws, bs ?? null),
      gradFunc: (dy: tf.Tensor, [xv, wv]: tf.Tensor[]) => {
        const grads = [dataGrad(s, dy, wv, xv.rank), filterGrad(s, xv, dy, wv.shape)];
        return bs ? [...grads, biasGrad(dy)] : grads;
      },
    };
  });
  return bias ? f(x, w, bias) : f(x, w);
}

export function convTranspose(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | null, strides: number[]): tf.Tensor {
  // s describes the strided convolution from the (large) output y back to x: s.inSize is y's, s.outSize x's.
  const s = transposedConvShape(x.shape, w.shape, strides);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xs, ws, bs] = args as tf.Tensor[];
    save([xs, ws]);
    const y = (): tf.Tensor => dataGrad(s, xs, ws, xs.rank);
    return {
      value: bs ? tf.tidy(() => { const v = y(); return tf.reshape(tf.add(tf.reshape(v, [-1, s.inChannels]), bs), v.shape); }) : y(),
      gradFunc: (dy: tf.Tensor, [xv, wv]: tf.Tensor[]) => {
        const grads = [forward(s, dy, wv, null), filterGrad(s, dy, xv, wv.shape)];
        return bs ? [...grads, biasGrad(dy)] : grads;
      },
    };
  });
  return bias ? f(x, w, bias) : f(x, w);
}

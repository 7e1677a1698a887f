// Convolution parity cases shared by the WebGPU conv tests (conv-gemm.test.ts: the GEMM's split-K and phased
// paths; conv-tuner.test.ts: the same products on tfjs's stock kernels): 2D and 3D, odd sizes, anisotropic kernels
// and strides, with and without bias, transposed convs too.
import { symmetricConvShape, transposedConvShape, type ConvShape } from '../../src/nn/kernels/conv-geometry.js';
import type { Op } from './parity.js';

export interface ConvCase { name: string; op: Op; shapes: number[][]; shape: ConvShape; split: boolean[] }

const conv = (name: string, x: number[], w: number[], strides: number[], pads: number[], bias: boolean, split: boolean[]): ConvCase => ({
  name, shapes: bias ? [x, w, [w[w.length - 1]]] : [x, w], shape: symmetricConvShape(x, w, strides, pads), split,
  op: (o, [xs, ws, bs]) => o.conv(xs, ws, bs ?? null, strides, pads),
});
const transposed = (name: string, x: number[], w: number[], strides: number[], split: boolean[]): ConvCase => ({
  name, shapes: [x, w, [w[w.length - 2]]], shape: transposedConvShape(x, w, strides), split,
  op: (o, [xs, ws, bs]) => o.convTranspose(xs, ws, bs, strides),
});

// split: whether [fwd, dx, dw] of the underlying convolution take the split-K path; a strided one's dx runs phased
export const CONV_CASES: ConvCase[] = [
  conv('3D odd sizes, stride 2, phased dx unsplit', [1, 5, 7, 3, 6], [3, 3, 3, 6, 8], [2, 2, 2], [1, 1, 1], true, [false, false, false]),
  conv('3D anisotropic stride [1,2,2] and kernel [1,3,3], phased dx split', [1, 3, 5, 5, 48], [1, 3, 3, 48, 80], [1, 2, 2], [0, 1, 1], false, [true, true, false]),
  conv('3D anisotropic kernel and stride, split fwd (uneven last chunk), phased dx, bias', [1, 4, 5, 3, 40], [3, 1, 3, 40, 32], [2, 1, 1], [1, 0, 1], true, [true, false, false]),
  conv('3D deep layer, few voxels, no bias', [2, 2, 3, 2, 24], [3, 3, 3, 24, 16], [1, 1, 1], [1, 1, 1], false, [true, true, false]),
  conv('3D many voxels, short K: only dw splits', [1, 8, 8, 16, 3], [3, 3, 3, 3, 4], [1, 1, 1], [1, 1, 1], true, [false, false, true]),
  conv('3D odd sizes, nothing splits', [2, 5, 7, 6, 3], [3, 3, 1, 3, 4], [1, 2, 1], [1, 1, 0], true, [false, false, false]),
  conv('2D stride 2, split fwd, phased dx, bias', [2, 5, 4, 40], [3, 3, 40, 32], [2, 1], [1, 1], true, [true, false, false]),
  conv('2D anisotropic kernel, nothing splits', [2, 9, 7, 5], [3, 1, 5, 6], [2, 1], [1, 0], false, [false, false, false]),
  // a transposed conv's forward is the dx product of its convolution, its data gradient the fwd product
  transposed('transposed 3D, phased split forward', [1, 2, 3, 2, 256], [2, 2, 2, 16, 256], [2, 2, 2], [false, true, false]),
  transposed('transposed 2D anisotropic, split data gradient', [1, 3, 4, 64], [2, 1, 128, 64], [2, 1], [true, false, false]),
  transposed('transposed 3D anisotropic, nothing splits', [2, 3, 4, 5, 6], [2, 2, 1, 3, 6], [2, 2, 1], [false, false, false]),
];

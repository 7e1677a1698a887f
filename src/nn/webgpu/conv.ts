/**
 * The Nn* convolution kernels (src/nn/kernels/names.ts) on the 'webgpu' backend: each a WGSL implicit-GEMM product
 * (conv-gemm.ts) or, where the conv tuner timed them faster for the shape, tfjs's stock kernels (conv-tuner.ts).
 * NetOps calls them through kernels/conv-calls.ts, as on oneDNN, so their gradients are the lazy per-input ones of
 * grads/NnConv_grad.ts: the tape asks only for what leads to a trained variable, and the first convolution's
 * backward-data (full resolution, 1-4 input channels, which fill few columns of a GEMM tile) is never computed.
 * The transposed convolution (kernel == stride) is the adjoint of a strided convolution (conv-geometry's
 * transposedConvShape), so its forward is that convolution's data gradient and its filter gradient that
 * convolution's filter gradient with x and dy swapped. Everything stays in GPU buffers: no readback.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { symmetricConvShape, transposedConvShape, type ConvShape } from '../kernels/conv-geometry.js';
import { registerConvGradients } from '../kernels/conv-calls.js';
import {
  NnBiasGrad, NnConv, NnConvBackpropFilter, NnConvBackpropInput, NnConvTranspose, NnConvTransposeBackpropFilter,
  type NnConvAttrs, type NnConvBackpropFilterAttrs, type NnConvBackpropInputAttrs, type NnConvTransposeAttrs,
  type NnConvTransposeBackpropFilterAttrs,
} from '../kernels/names.js';
import { convProduct } from './conv-tuner.js';
import { sumRows } from './reduce.js';

/** [N, ...spatial, C] of the tensor's rank: 2-D tensors run as depth-1 3-D ones (same buffers). */
const shapeOf = (s: ConvShape, spatial: number[], channels: number, rank: number): number[] =>
  [s.batch, ...spatial.slice(3 - (rank - 2)), channels];

type Inputs = Record<string, tf.Tensor>;

/**
 * A 'webgpu' kernel config from a function of tensors. The engine hands kernels TensorInfos; each becomes a tensor
 * holding its own reference (incRef), so disposing it leaves the caller's buffer alone.
 */
function webgpuKernel<A>(kernelName: string, f: (inputs: Inputs, attrs: A) => tf.Tensor): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => tf.tidy(() => {
      const tensors: Inputs = {};
      for (const [name, info] of Object.entries(inputs)) {
        if (!info) continue;
        (backend as WebGPUBackend).incRef(info.dataId);
        tensors[name] = tf.engine().makeTensorFromTensorInfo(info);
      }
      return f(tensors, attrs as unknown as A);
    }),
  };
}

const configs: tf.KernelConfig[] = [
  webgpuKernel<NnConvAttrs>(NnConv, ({ x, filter, bias }, a) => {
    const s = symmetricConvShape(x.shape, filter.shape, a.strides, a.pads);
    return tf.reshape(convProduct('fwd', s, x, filter, bias ?? null), shapeOf(s, s.outSize, s.outChannels, x.rank));
  }),
  webgpuKernel<NnConvBackpropInputAttrs>(NnConvBackpropInput, ({ dy, filter }, a) => {
    const s = symmetricConvShape(a.inputShape, filter.shape, a.strides, a.pads);
    return tf.reshape(convProduct('dx', s, dy, filter, null), a.inputShape);
  }),
  webgpuKernel<NnConvBackpropFilterAttrs>(NnConvBackpropFilter, ({ x, dy }, a) => {
    const s = symmetricConvShape(x.shape, a.filterShape, a.strides, a.pads);
    return tf.reshape(convProduct('dw', s, x, dy, null), a.filterShape);
  }),
  // s describes the strided convolution from the (large) output y back to x: s.inSize is y's, s.outSize x's.
  webgpuKernel<NnConvTransposeAttrs>(NnConvTranspose, ({ x, filter, bias }, a) => {
    const s = transposedConvShape(x.shape, filter.shape, a.strides);
    const y = convProduct('dx', s, x, filter, null);
    return tf.reshape(bias ? tf.add(y, bias) : y, shapeOf(s, s.inSize, s.inChannels, x.rank));
  }),
  webgpuKernel<NnConvTransposeBackpropFilterAttrs>(NnConvTransposeBackpropFilter, ({ x, dy }, a) => {
    const s = transposedConvShape(x.shape, a.filterShape, a.strides);
    return tf.reshape(convProduct('dw', s, dy, x, null), a.filterShape);
  }),
  webgpuKernel(NnBiasGrad, ({ dy }) => tf.reshape(sumRows(tf.reshape(dy, [1, -1, dy.shape[dy.rank - 1]])), [-1])),
];

/** Registers the kernels and their gradients (idempotent). */
export function registerWebGpuConvKernels(): void {
  for (const c of configs) {
    if (!tf.getKernel(c.kernelName, 'webgpu')) tf.registerKernel(c);
  }
  registerConvGradients();
}

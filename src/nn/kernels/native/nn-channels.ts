/**
 * Channel-axis glue that tfjs-cpu runs element by element in JS (seconds on 5-D activations): LeakyReLU,
 * concat/slice of decoder skips, softmax over channels, each with its gradient kernel.
 */
import { LeakyRelu, type KernelConfig, type KernelFunc, type LeakyReluAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { requireAddon } from '../addon.js';
import { cpuKernel, f32, rowsAndChannels, size, type CpuKernelArgs } from '../cpu-args.js';
import {
  NnConcatChannels, NnLeakyRelu, NnLeakyReluGrad, NnSliceChannels, NnSoftmax, NnSoftmaxGrad,
  type NnLeakyReluAttrs, type NnSliceChannelsAttrs,
} from '../names.js';

function leakyRelu({ inputs: { x }, backend, attrs }: CpuKernelArgs<'x', NnLeakyReluAttrs>): TensorInfo {
  const y = new Float32Array(size(x.shape));
  requireAddon().leakyReluForward(f32(backend, x), attrs.slope, y);
  return backend.makeTensorInfo(x.shape, 'float32', y);
}

function leakyReluGrad({ inputs: { x, dy }, backend, attrs }: CpuKernelArgs<'x' | 'dy', NnLeakyReluAttrs>): TensorInfo {
  const dx = new Float32Array(size(x.shape));
  requireAddon().leakyReluBackward(f32(backend, x), f32(backend, dy), attrs.slope, dx);
  return backend.makeTensorInfo(x.shape, 'float32', dx);
}

function concatChannels({ inputs: { a, b }, backend }: CpuKernelArgs<'a' | 'b'>): TensorInfo {
  const A = rowsAndChannels(a.shape);
  const B = rowsAndChannels(b.shape);
  if (A.rows !== B.rows || a.shape.slice(0, -1).some((d, i) => d !== b.shape[i])) {
    throw new Error(`concatChannels: shapes [${a.shape}] and [${b.shape}] differ outside the channel axis`);
  }
  const c = A.channels + B.channels;
  const y = new Float32Array(A.rows * c);
  const addon = requireAddon();
  addon.copyChannels(A.rows, f32(backend, a), A.channels, 0, y, c, 0, A.channels);
  addon.copyChannels(A.rows, f32(backend, b), B.channels, 0, y, c, A.channels, B.channels);
  return backend.makeTensorInfo([...a.shape.slice(0, -1), c], 'float32', y);
}

function sliceChannels({ inputs: { x }, backend, attrs }: CpuKernelArgs<'x', NnSliceChannelsAttrs>): TensorInfo {
  const { rows, channels } = rowsAndChannels(x.shape);
  const y = new Float32Array(rows * attrs.size);
  requireAddon().copyChannels(rows, f32(backend, x), channels, attrs.begin, y, attrs.size, 0, attrs.size);
  return backend.makeTensorInfo([...x.shape.slice(0, -1), attrs.size], 'float32', y);
}

function softmax({ inputs: { logits }, backend }: CpuKernelArgs<'logits'>): TensorInfo {
  const { rows, channels } = rowsAndChannels(logits.shape);
  const y = new Float32Array(rows * channels);
  requireAddon().softmaxForward(rows, channels, f32(backend, logits), y);
  return backend.makeTensorInfo(logits.shape, 'float32', y);
}

function softmaxGrad({ inputs: { y, dy }, backend }: CpuKernelArgs<'y' | 'dy'>): TensorInfo {
  const { rows, channels } = rowsAndChannels(y.shape);
  const dx = new Float32Array(rows * channels);
  requireAddon().softmaxBackward(rows, channels, f32(backend, y), f32(backend, dy), dx);
  return backend.makeTensorInfo(y.shape, 'float32', dx);
}

export const nnChannelConfigs: KernelConfig[] = [
  cpuKernel(NnLeakyRelu, leakyRelu),
  cpuKernel(NnLeakyReluGrad, leakyReluGrad),
  cpuKernel(NnConcatChannels, concatChannels),
  cpuKernel(NnSliceChannels, sliceChannels),
  cpuKernel(NnSoftmax, softmax),
  cpuKernel(NnSoftmaxGrad, softmaxGrad),
];

/** tfjs's own LeakyRelu on the native loop (float32; other dtypes keep the stock kernel). */
export function stockLeakyReluConfig(stock: KernelFunc): KernelConfig {
  const kernelFunc = (args: CpuKernelArgs<'x', LeakyReluAttrs>): TensorInfo =>
    args.inputs.x.dtype === 'float32'
      ? leakyRelu({ ...args, attrs: { slope: args.attrs.alpha } })
      : stock(args as never) as TensorInfo;
  return cpuKernel(LeakyRelu, kernelFunc);
}

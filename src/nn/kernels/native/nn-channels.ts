/**
 * Channel-axis glue that tfjs-cpu runs element by element in JS (seconds on 5-D activations): LeakyReLU,
 * concat/slice of decoder skips, softmax over channels, each with its gradient kernel; and the same loops
 * behind tfjs's stock LeakyRelu, Softmax and Exp.
 */
import { Exp, LeakyRelu, Softmax, type KernelConfig, type KernelFunc, type LeakyReluAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
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

function exp({ inputs: { x }, backend }: CpuKernelArgs<'x'>): TensorInfo {
  const y = new Float32Array(size(x.shape));
  requireAddon().expForward(f32(backend, x), y);
  return backend.makeTensorInfo(x.shape, 'float32', y);
}

/**
 * tfjs's own LeakyRelu, Softmax (over the last axis, the only one tfjs-cpu supports) and Exp on the native
 * loops, for float32; other dtypes keep the stock kernels. Their gradients stay tfjs's.
 */
export function stockChannelConfigs(stock: (kernelName: string) => KernelFunc): KernelConfig[] {
  const stockFuncs = new Map([LeakyRelu, Softmax, Exp].map((name) => [name, stock(name)]));
  const fallback = (name: string, args: unknown) => stockFuncs.get(name)!(args as never) as TensorInfo;
  const floatOnly = <I extends string, A>(name: string, f: (args: CpuKernelArgs<I, A>) => TensorInfo) =>
    cpuKernel(name, (args: CpuKernelArgs<I, A>): TensorInfo =>
      Object.values<TensorInfo>(args.inputs).every((t) => t.dtype === 'float32') ? f(args) : fallback(name, args));
  return [
    floatOnly(LeakyRelu, (args: CpuKernelArgs<'x', LeakyReluAttrs>) => leakyRelu({ ...args, attrs: { slope: args.attrs.alpha } })),
    floatOnly(Softmax, (args: CpuKernelArgs<'logits', { dim: number }>) => {
      const { logits } = args.inputs;
      if (args.attrs.dim !== -1 && args.attrs.dim !== logits.shape.length - 1) return fallback(Softmax, args);
      return softmax(args);
    }),
    floatOnly(Exp, exp),
  ];
}

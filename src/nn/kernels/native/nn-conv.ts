/**
 * NetOps convolutions on oneDNN: conv with nnU-Net's symmetric pads (+ fused bias), and the kernel == stride
 * transposed conv, each with its backward kernels. The transposed conv is the adjoint of a strided conv, so
 * it reuses the conv primitives: forward = conv backward-data, input gradient = conv forward, filter
 * gradient = conv backward-weights with the roles of x and dy swapped. Bias gradients are NnBiasGrad.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { requireAddon } from '../addon.js';
import { symmetricConvShape, toGeometry, transposedConvShape } from '../conv-geometry.js';
import { cpuKernel, f32, rowsAndChannels, size, type CpuKernelArgs } from '../cpu-args.js';
import {
  NnBiasGrad, NnConv, NnConvBackpropFilter, NnConvBackpropInput, NnConvTranspose, NnConvTransposeBackpropFilter,
  type NnConvAttrs, type NnConvBackpropFilterAttrs, type NnConvBackpropInputAttrs, type NnConvTransposeAttrs,
  type NnConvTransposeBackpropFilterAttrs,
} from '../names.js';

const optional = (args: CpuKernelArgs<string, unknown>, name: string): Float32Array | null =>
  args.inputs[name] ? f32(args.backend, args.inputs[name]) : null;

function conv(args: CpuKernelArgs<'x' | 'filter' | 'bias', NnConvAttrs>): TensorInfo {
  const { inputs: { x, filter }, backend, attrs } = args;
  const s = symmetricConvShape(x.shape, filter.shape, attrs.strides, attrs.pads);
  const outShape = [s.batch, ...s.outSize.slice(3 - (x.shape.length - 2)), s.outChannels];
  const y = new Float32Array(size(outShape));
  requireAddon().convForward(toGeometry(s), f32(backend, x), f32(backend, filter), optional(args, 'bias'), y);
  return backend.makeTensorInfo(outShape, 'float32', y);
}

function convBackpropInput({ inputs: { dy, filter }, backend, attrs }: CpuKernelArgs<'dy' | 'filter', NnConvBackpropInputAttrs>): TensorInfo {
  const s = symmetricConvShape(attrs.inputShape, filter.shape, attrs.strides, attrs.pads);
  const dx = new Float32Array(size(attrs.inputShape));
  requireAddon().convBackwardData(toGeometry(s), f32(backend, dy), f32(backend, filter), dx);
  return backend.makeTensorInfo(attrs.inputShape, 'float32', dx);
}

function convBackpropFilter({ inputs: { x, dy }, backend, attrs }: CpuKernelArgs<'x' | 'dy', NnConvBackpropFilterAttrs>): TensorInfo {
  const s = symmetricConvShape(x.shape, attrs.filterShape, attrs.strides, attrs.pads);
  const dw = new Float32Array(size(attrs.filterShape));
  requireAddon().convBackwardWeights(toGeometry(s), f32(backend, x), f32(backend, dy), dw, null);
  return backend.makeTensorInfo(attrs.filterShape, 'float32', dw);
}

function convTranspose(args: CpuKernelArgs<'x' | 'filter' | 'bias', NnConvTransposeAttrs>): TensorInfo {
  const { inputs: { x, filter }, backend, attrs } = args;
  const s = transposedConvShape(x.shape, filter.shape, attrs.strides);
  const r = x.shape.length - 2;
  const outShape = [s.batch, ...s.inSize.slice(3 - r), s.inChannels];
  const y = new Float32Array(size(outShape));
  const addon = requireAddon();
  addon.convBackwardData(toGeometry(s), f32(backend, x), f32(backend, filter), y);
  const bias = optional(args, 'bias');
  if (bias) addon.addBias(size(outShape) / s.inChannels, s.inChannels, y, bias);
  return backend.makeTensorInfo(outShape, 'float32', y);
}

function convTransposeBackpropFilter({ inputs: { x, dy }, backend, attrs }: CpuKernelArgs<'x' | 'dy', NnConvTransposeBackpropFilterAttrs>): TensorInfo {
  const s = transposedConvShape(x.shape, attrs.filterShape, attrs.strides);
  const dw = new Float32Array(size(attrs.filterShape));
  requireAddon().convBackwardWeights(toGeometry(s), f32(backend, dy), f32(backend, x), dw, null);
  return backend.makeTensorInfo(attrs.filterShape, 'float32', dw);
}

function biasGrad({ inputs: { dy }, backend }: CpuKernelArgs<'dy'>): TensorInfo {
  const { rows, channels } = rowsAndChannels(dy.shape);
  const db = new Float32Array(channels);
  requireAddon().sumRows(rows, channels, f32(backend, dy), db);
  return backend.makeTensorInfo([channels], 'float32', db);
}

export const nnConvConfigs: KernelConfig[] = [
  cpuKernel(NnConv, conv),
  cpuKernel(NnConvBackpropInput, convBackpropInput),
  cpuKernel(NnConvBackpropFilter, convBackpropFilter),
  cpuKernel(NnConvTranspose, convTranspose),
  cpuKernel(NnConvTransposeBackpropFilter, convTransposeBackpropFilter),
  cpuKernel(NnBiasGrad, biasGrad),
];

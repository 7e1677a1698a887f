/**
 * The one place native kernels are registered on tfjs's 'cpu' backend: our Nn* kernels (NetOps), oneDNN
 * versions of tfjs's Conv2D/Conv3D (+ backprop), Add/Sub/Multiply/RealDiv, LeakyRelu, Softmax and Exp, and the gradient tfjs lacks for
 * Conv3DBackpropInputV2. Returns the kernel names for run records and `nnunet doctor`.
 */
import {
  getGradient, getKernel, registerGradient, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc,
} from '@tensorflow/tfjs-core';
import { conv3DBackpropInputV2GradConfig } from './grads/Conv3DBackpropInputV2_grad.js';
import { registerConvGradients } from './conv-calls.js';
import { nnChannelConfigs, stockChannelConfigs } from './native/nn-channels.js';
import { nnConvConfigs } from './native/nn-conv.js';
import { nnInstanceNormConfigs } from './native/nn-instance-norm.js';
import { stockBinaryConfigs } from './native/stock-binary.js';
import { stockConvConfigs } from './native/stock-conv.js';

const stockKernels = new Map<string, KernelConfig>();
let registered: string[] | undefined;

function stockFunc(kernelName: string): KernelFunc {
  const k = getKernel(kernelName, 'cpu');
  if (!k) throw new Error(`tfjs-cpu has no ${kernelName} kernel to wrap (is @tensorflow/tfjs-backend-cpu imported?)`);
  stockKernels.set(kernelName, k);
  return k.kernelFunc;
}

function replace(config: KernelConfig): void {
  if (getKernel(config.kernelName, 'cpu')) unregisterKernel(config.kernelName, 'cpu');
  registerKernel(config);
}

/** Installs every native kernel (idempotent); the caller has checked that the addon loads. */
export function registerNativeKernels(): string[] {
  if (registered) return registered;
  const configs = [
    ...nnConvConfigs, ...nnInstanceNormConfigs, ...nnChannelConfigs,
    ...stockConvConfigs(stockFunc), ...stockBinaryConfigs(stockFunc), ...stockChannelConfigs(stockFunc),
  ];
  configs.forEach(replace);
  if (!getGradient(conv3DBackpropInputV2GradConfig.kernelName)) registerGradient(conv3DBackpropInputV2GradConfig);
  registerConvGradients();
  registered = configs.map((c) => c.kernelName);
  return registered;
}

/** Puts tfjs's stock kernels back (the Nn* kernels stay; nothing reaches them once NetOps is reset). */
export function restoreStockKernels(): void {
  for (const config of stockKernels.values()) replace(config);
  stockKernels.clear();
  registered = undefined;
}

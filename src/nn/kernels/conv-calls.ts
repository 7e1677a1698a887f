/**
 * NetOps.conv and NetOps.convTranspose as calls of the registered Nn* kernels. Every backend that registers them
 * (oneDNN on 'cpu', WGSL on 'webgpu') shares these calls and the lazy per-input gradients of grads/NnConv_grad.ts,
 * so the network input's backward-data is never computed.
 */
import { engine, getGradient, registerGradient, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import { nnConvGradConfig, nnConvTransposeGradConfig } from './grads/NnConv_grad.js';
import { NnConv, NnConvTranspose } from './names.js';

export function convKernel(x: Tensor, w: Tensor, bias: Tensor | null, strides: number[], pads: number[]): Tensor {
  return engine().runKernel(NnConv, bias ? { x, filter: w, bias } : { x, filter: w }, { strides, pads } as unknown as NamedAttrMap) as Tensor;
}

export function convTransposeKernel(x: Tensor, w: Tensor, bias: Tensor | null, strides: number[]): Tensor {
  return engine().runKernel(NnConvTranspose, bias ? { x, filter: w, bias } : { x, filter: w }, { strides } as unknown as NamedAttrMap) as Tensor;
}

/** The lazy convolution gradients, registered once whichever backend registers the kernels first. */
export function registerConvGradients(): void {
  for (const g of [nnConvGradConfig, nnConvTransposeGradConfig]) {
    if (!getGradient(g.kernelName)) registerGradient(g);
  }
}

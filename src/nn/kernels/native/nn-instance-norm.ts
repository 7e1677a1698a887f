/** Fused instance norm (affine) + LeakyReLU, forward (also returns mean/rstd for the backward) and gradient. */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { requireAddon } from '../addon.js';
import { cpuKernel, f32, rowsAndChannels, size, type CpuKernelArgs } from '../cpu-args.js';
import { NnInstanceNorm, NnInstanceNormGrad, type NnInstanceNormAttrs, type NnInstanceNormGradAttrs } from '../names.js';

/** [N, spatial..., C] as N samples of V voxels x C channels. */
function dims(shape: number[]): { n: number; v: number; c: number } {
  const { channels } = rowsAndChannels(shape);
  return { n: shape[0], v: size(shape) / (shape[0] * channels), c: channels };
}

function instanceNorm({ inputs: { x, gamma, beta }, backend, attrs }: CpuKernelArgs<'x' | 'gamma' | 'beta', NnInstanceNormAttrs>): TensorInfo[] {
  const { n, v, c } = dims(x.shape);
  const y = new Float32Array(n * v * c);
  const mean = new Float32Array(n * c);
  const rstd = new Float32Array(n * c);
  requireAddon().instanceNormForward(n, v, c, f32(backend, x), f32(backend, gamma), f32(backend, beta), attrs.eps,
    attrs.slope, y, mean, rstd);
  return [backend.makeTensorInfo(x.shape, 'float32', y), backend.makeTensorInfo([n, c], 'float32', mean),
    backend.makeTensorInfo([n, c], 'float32', rstd)];
}

function instanceNormGrad(
  { inputs: { dy, x, gamma, beta, mean, rstd }, backend, attrs }:
  CpuKernelArgs<'dy' | 'x' | 'gamma' | 'beta' | 'mean' | 'rstd', NnInstanceNormGradAttrs>,
): TensorInfo[] {
  const { n, v, c } = dims(x.shape);
  const dx = new Float32Array(n * v * c);
  const dgamma = new Float32Array(c);
  const dbeta = new Float32Array(c);
  requireAddon().instanceNormBackward(n, v, c, f32(backend, dy), f32(backend, x), f32(backend, gamma),
    f32(backend, beta), f32(backend, mean), f32(backend, rstd), attrs.slope, dx, dgamma, dbeta);
  return [backend.makeTensorInfo(x.shape, 'float32', dx), backend.makeTensorInfo([c], 'float32', dgamma),
    backend.makeTensorInfo([c], 'float32', dbeta)];
}

export const nnInstanceNormConfigs: KernelConfig[] = [
  cpuKernel(NnInstanceNorm, instanceNorm),
  cpuKernel(NnInstanceNormGrad, instanceNormGrad),
];

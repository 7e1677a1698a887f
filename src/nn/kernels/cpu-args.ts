/** Unpacking tfjs-cpu kernel arguments into the typed arrays the addon works on. */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export interface CpuKernelArgs<I extends string, A = NamedAttrMap> {
  inputs: Record<I, TensorInfo>;
  backend: MathBackendCPU;
  attrs: A;
}

/** The float32 values behind a tensor on the cpu backend (no copy). */
export function f32(backend: MathBackendCPU, t: TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`native kernel: expected a float32 tensor, got ${t.dtype} of shape [${t.shape}]`);
  const values = backend.data.get(t.dataId).values;
  if (values instanceof Float32Array) return values;
  // Some tfjs-cpu outputs are float32 tensors over another array type (seen: a Uint8Array from the loss's
  // boolean masks); convert a copy, the values are what readSync reports.
  return Float32Array.from(backend.readSync(t.dataId) as ArrayLike<number>);
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Channels-last split into rows x channels. */
export function rowsAndChannels(shape: readonly number[]): { rows: number; channels: number } {
  const channels = shape[shape.length - 1];
  return { rows: size(shape) / channels, channels };
}

/** A 'cpu' kernel config from one of our typed kernel functions (tfjs's registry wants its generic signature). */
export const cpuKernel = <I extends string, A>(kernelName: string, f: (args: CpuKernelArgs<I, A>) => TensorInfo | TensorInfo[]): KernelConfig =>
  ({ kernelName, backendName: 'cpu', kernelFunc: f as unknown as KernelFunc });

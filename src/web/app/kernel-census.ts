/**
 * Counts the runs of our Nn* kernels (src/nn/kernels/names.ts; on webgpu the WGSL implicit-GEMM convolutions) on
 * one backend. The backend's name does not say which op table segmented the image - on webgpu the stock tfjs
 * kernels would run the same network - so the page shows the count, and its test asserts NnConv ran. Each
 * registered config is re-registered with a counter in front of its kernel function; nothing else changes, and it
 * costs one increment per call where tf.profile would time every kernel.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface KernelCensus {
  /** runs per kernel name since the last reset, in first-run order */
  counts(): Map<string, number>;
  reset(): void;
}

/** Starts counting the `prefix` kernels registered for `backend` now (register them first). */
export function countKernelRuns(backend: string, prefix = 'Nn'): KernelCensus {
  const counts = new Map<string, number>();
  for (const config of tf.getKernelsForBackend(backend)) {
    if (!config.kernelName.startsWith(prefix)) continue;
    const { kernelName, kernelFunc } = config;
    tf.unregisterKernel(kernelName, backend);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        counts.set(kernelName, (counts.get(kernelName) ?? 0) + 1);
        return kernelFunc(args);
      },
    });
  }
  return { counts: () => new Map(counts), reset: () => counts.clear() };
}

/** `NnConv ×26, NnConvTranspose ×4`, or `none`. */
export const describeCensus = (counts: Map<string, number>): string =>
  counts.size === 0 ? 'none' : [...counts].map(([name, n]) => `${name} ×${n}`).join(', ');

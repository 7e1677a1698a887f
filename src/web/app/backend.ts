/**
 * The page's tfjs backend: WebGPU where the browser gives an adapter, else WASM (binaries served from the export
 * folder itself), else plain JS CPU. `?backend=webgpu|wasm|cpu` forces one. Faster op tables (the WGSL NetOps)
 * go in with one `useNetOps(...)` after this returns, as the Node backends install oneDNN's.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '../../nn/ops/index.js';

export const WEB_BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
export type WebBackend = (typeof WEB_BACKENDS)[number];

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

/** Starts the first backend that works; `skipped` says why the ones before it did not. */
export async function startBackend(forced: string | null): Promise<{ name: WebBackend; skipped: string[] }> {
  if (forced !== null && !(WEB_BACKENDS as readonly string[]).includes(forced)) {
    throw new Error(`?backend=${forced}: choose one of ${WEB_BACKENDS.join(', ')}`);
  }
  const order: readonly WebBackend[] = forced ? [forced as WebBackend] : WEB_BACKENDS;
  const skipped: string[] = [];
  for (const name of order) {
    if (name === 'webgpu') {
      const gpu = (navigator as GpuNavigator).gpu;
      if (!gpu || !(await gpu.requestAdapter())) {
        skipped.push('webgpu: no WebGPU adapter in this browser');
        continue;
      }
    }
    if (name === 'wasm') setWasmPaths(new URL('./', location.href).href);
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name, skipped };
      }
      skipped.push(`${name}: failed to start`);
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend started (${skipped.join('; ')})`);
}

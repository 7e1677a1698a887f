/**
 * The page's tfjs backend: WebGPU where the browser gives an adapter, else WASM (binaries served from the export
 * folder itself), else plain JS CPU. `?backend=webgpu|wasm|cpu` forces one. WebGPU starts through
 * src/nn/webgpu/activate.ts, as in Node: our device, its GPU-error handler and the WGSL NetOps; wasm and cpu run
 * the reference ops (stock tfjs kernels).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { netOps } from '../../nn/ops/index.js';
import { activateWebGpu } from '../../nn/webgpu/activate.js';

export const WEB_BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
export type WebBackend = (typeof WEB_BACKENDS)[number];

interface GpuNavigator {
  gpu?: GPU;
}

async function start(name: WebBackend): Promise<string | null> {
  if (name === 'webgpu') {
    const adapter = await (navigator as GpuNavigator).gpu?.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return 'no WebGPU adapter in this browser';
    await activateWebGpu(adapter);
    return null;
  }
  if (name === 'wasm') setWasmPaths(new URL('./', location.href).href);
  if (!(await tf.setBackend(name))) return 'failed to start';
  await tf.ready();
  return null;
}

/**
 * Starts the first backend that works; `skipped` says why the ones before it did not, `ops` names the op table
 * that runs the network ('webgpu': our WGSL kernels, 'reference': stock tfjs).
 */
export async function startBackend(forced: string | null): Promise<{ name: WebBackend; ops: string; skipped: string[] }> {
  if (forced !== null && !(WEB_BACKENDS as readonly string[]).includes(forced)) {
    throw new Error(`?backend=${forced}: choose one of ${WEB_BACKENDS.join(', ')}`);
  }
  const order: readonly WebBackend[] = forced ? [forced as WebBackend] : WEB_BACKENDS;
  const skipped: string[] = [];
  for (const name of order) {
    try {
      const why = await start(name);
      if (why === null) return { name, ops: netOps().name, skipped };
      skipped.push(`${name}: ${why}`);
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend started (${skipped.join('; ')})`);
}

/**
 * Dawn (the `webgpu` package) as tfjs's WebGPU backend in Node. Dawn reads the Vulkan driver list when
 * `create()` runs, so the environment is prepared first: Chromium's SwiftShader ICD is ADDED to the drivers
 * (VK_ADD_DRIVER_FILES keeps real GPUs visible), which gives CI a software adapter; `auto` refuses that adapter
 * (fallback/CPU), `NNUNET_BACKEND=webgpu` accepts it. tfjs-backend-webgpu registers itself only when
 * navigator.gpu exists at import time, so activate.ts imports it after navigator.gpu is set, and replaces its
 * factory by one that uses our device (the features we ask for, the adapter facts we report). Node-only: the
 * browser page bundles activate.ts, never this module.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterFacts, describeAdapter, type GpuAdapterFacts } from './adapter.js';
import { dawnFlags } from './dawn-flags.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface GpuProbe { adapter?: GPUAdapter; facts?: GpuAdapterFacts; why: string }

let gpu: GPU | undefined;

/**
 * Sets the variables Dawn's Vulkan loader reads. It reads the process's C environment, which only the main thread's
 * `process.env` writes reach (a worker thread's is a private copy): a worker that will use Dawn (training) needs
 * this called on the main thread before it starts.
 */
export function prepareDawnEnvironment(): void {
  // Dawn's Vulkan loader wants a runtime dir; a headless service or CI job often has none.
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `nnunet-xdg-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  const pinned = process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES;
  if (!pinned && existsSync(SWIFTSHADER_ICD)) {
    const added = process.env.VK_ADD_DRIVER_FILES;
    process.env.VK_ADD_DRIVER_FILES = added ? `${added}:${SWIFTSHADER_ICD}` : SWIFTSHADER_ICD;
  }
}

async function dawn(): Promise<GPU> {
  if (gpu) return gpu;
  prepareDawnEnvironment();
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  gpu = create(dawnFlags(process.env.NNUNET_DAWN_TOGGLES));
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as object;
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  return gpu;
}

/** Finds the adapter Dawn offers (the high-performance one); never throws. */
export async function probeWebGpu(): Promise<GpuProbe> {
  let g: GPU;
  try {
    g = await dawn();
  } catch (e) {
    return { why: `Dawn (the webgpu package) did not load: ${(e as Error).message}` };
  }
  const adapter = await g.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) {
    return { why: 'Dawn found no WebGPU adapter (no Vulkan/Metal/D3D12 driver; on Linux install libvulkan1 and a GPU driver, or chromium for SwiftShader)' };
  }
  const facts = adapterFacts(adapter);
  return { adapter, facts, why: `WebGPU adapter ${describeAdapter(facts)}` };
}

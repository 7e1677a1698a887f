/**
 * The page's tfjs backend: WebGPU where the browser gives an adapter, else WASM (binaries served from the export
 * folder itself), else plain JS CPU. `?backend=webgpu|wasm|cpu` forces one. WebGPU starts through
 * src/nn/webgpu/activate.ts, as in Node: our device, its GPU-error handler and the WGSL NetOps, with the conv
 * kernel policy of `?conv=auto|tune|gemm|gemm-vec4|stock` (NNUNET_CONV_ALGO's values; auto tunes on a real GPU) and the
 * precision of `?amp=auto|on|off` (NNUNET_AMP's: auto takes f16 convolutions on a real GPU with shader-f16); wasm and
 * cpu run the reference ops (stock tfjs kernels).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { netOps } from '../../nn/ops/index.js';
import { activateWebGpu } from '../../nn/webgpu/activate.js';
import { adapterFacts } from '../../nn/webgpu/adapter.js';
import { CONV_ALGO_MODES, convPolicyFor, type ConvAlgoMode, type ConvPolicy } from '../../nn/webgpu/conv-tuner.js';
import { AMP_MODES, precisionFor, type AmpMode, type ConvPrecision } from '../../nn/webgpu/precision.js';

export const WEB_BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
export type WebBackend = (typeof WEB_BACKENDS)[number];

interface GpuNavigator {
  gpu?: GPU;
}

interface Started { convs: ConvPolicy | null; precision: ConvPrecision | null }

/** The backend started, or why not; on webgpu, the conv policy and precision it took. */
async function start(name: WebBackend, conv: ConvAlgoMode, amp: AmpMode): Promise<{ why: string } | Started> {
  if (name === 'webgpu') {
    const adapter = await (navigator as GpuNavigator).gpu?.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { why: 'no WebGPU adapter in this browser' };
    const facts = adapterFacts(adapter);
    const precision = precisionFor(amp, facts);
    if ('error' in precision) return { why: `?amp=on: ${precision.error}` };
    const convs = convPolicyFor(conv, facts.fallback);
    await activateWebGpu(adapter, convs, precision.precision);
    return { convs, precision: precision.precision };
  }
  if (name === 'wasm') setWasmPaths(new URL('./', location.href).href);
  if (!(await tf.setBackend(name))) return { why: 'failed to start' };
  await tf.ready();
  return { convs: null, precision: null };
}

/** A query parameter that must be one of `values` when given. */
function choice<T extends string>(param: string, value: string | null, values: readonly T[]): T | null {
  if (value !== null && !(values as readonly string[]).includes(value)) {
    throw new Error(`?${param}=${value}: choose one of ${values.join(', ')}`);
  }
  return value as T | null;
}

/**
 * Starts the first backend that works; `skipped` says why the ones before it did not, `ops` names the op table
 * that runs the network ('webgpu': our WGSL kernels, 'reference': stock tfjs), `convs` and `precision` webgpu's
 * conv policy and precision.
 */
export async function startBackend(params: URLSearchParams): Promise<{ name: WebBackend; ops: string; skipped: string[] } & Started> {
  const forced = choice('backend', params.get('backend'), WEB_BACKENDS);
  const conv = choice('conv', params.get('conv'), CONV_ALGO_MODES) ?? 'auto';
  const amp = choice('amp', params.get('amp'), AMP_MODES) ?? 'auto';
  const order: readonly WebBackend[] = forced ? [forced] : WEB_BACKENDS;
  const skipped: string[] = [];
  for (const name of order) {
    try {
      const started = await start(name, conv, amp);
      if ('convs' in started) return { name, ops: netOps().name, ...started, skipped };
      skipped.push(`${name}: ${started.why}`);
    } catch (e) {
      skipped.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend started (${skipped.join('; ')})`);
}

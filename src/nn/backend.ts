/**
 * Chooses the compute backend once at start-up, in the order: webgpu (Dawn with a real, non-fallback GPU
 * adapter; src/nn/webgpu) -> @tensorflow/tfjs-node-gpu (installed and a GPU present) -> our oneDNN kernels on tfjs-cpu -> @tensorflow/tfjs-node (installed) -> pure tfjs-cpu (slow,
 * always works). `prefer` (or env NNUNET_BACKEND) forces one; it fails with BACKEND_UNAVAILABLE, saying why,
 * instead of silently running something slower. NNUNET_THREADS fixes oneDNN's thread count (default: all
 * cores). With a fixed thread count the oneDNN path is bit-identical run to run (every reduction has a fixed
 * partition and order; checked in src/nn/kernels/parity.test.ts); a different thread count changes the last bits.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, platform } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { NnunetError } from '../engine/errors.js';
import { addonLoadError, loadAddon } from './kernels/addon.js';
import { onednnNetOps } from './kernels/onednn-ops.js';
import { registerNativeKernels, restoreStockKernels } from './kernels/register.js';
import { resetNetOps, useNetOps } from './ops/index.js';
import { activateWebGpu } from './webgpu/activate.js';
import {
  CONV_ALGO_MODES, convPolicyFor, onConvsTuned, rememberConvChoices, type ConvAlgoMode, type ConvPolicy,
} from './webgpu/conv-tuner.js';
import { convTuningFile, loadConvTuning, saveConvTuning } from './webgpu/conv-tuning-cache.js';
import { describeAdapter, type GpuAdapterFacts } from './webgpu/adapter.js';
import { AMP_MODES, precisionFor, type AmpMode, type PrecisionChoice } from './webgpu/precision.js';
import { probeWebGpu } from './webgpu/device.js';

export type BackendName = 'webgpu' | 'tfjs-node-gpu' | 'onednn' | 'tfjs-node' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  tfjsVersion: string;
  onednn?: { version: string; isa: string; threads: number };
  /** the WebGPU adapter (webgpu backend only) */
  gpu?: GpuAdapterFacts;
  /** webgpu: how convolutions pick their kernels (NNUNET_CONV_ALGO; conv-tuner.ts) */
  convAlgorithm?: ConvPolicy;
  /** webgpu under `tune`: the file that keeps choices across processes (NNUNET_CONV_TUNING), and what it gave */
  convTuning?: ConvTuningInfo;
  /** webgpu: the convolutions' precision (NNUNET_AMP; f16 is mixed precision) and why */
  precision?: PrecisionChoice;
  /** why this backend was chosen (and why faster ones were not) */
  reason: string;
  /** the one command that would make runs faster, when there is one */
  fasterHint?: string;
  /** native kernels installed over tfjs-cpu (run records list them) */
  kernels?: string[];
}

export interface ConvTuningInfo { file: string; loaded: number; warning?: string }

export class BackendError extends NnunetError {}

export const ORDER: BackendName[] = ['webgpu', 'tfjs-node-gpu', 'onednn', 'tfjs-node', 'cpu'];
const GPU_BACKENDS: ReadonlySet<BackendName> = new Set(['webgpu', 'tfjs-node-gpu']);
const require = createRequire(import.meta.url);

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Linux exposes a GPU to Vulkan through a render node (Mesa, AMD, Intel) or NVIDIA's device files; elsewhere assume one. */
function linuxGpuNode(): boolean {
  if (platform() !== 'linux') return true;
  if (gpuPresent()) return true;
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

/** An NVIDIA driver exposes its GPUs here; tfjs-node-gpu needs CUDA, so this is the GPU it could use. */
const gpuPresent = (): boolean => existsSync('/proc/driver/nvidia/gpus') || existsSync('/dev/nvidia0');

function oneDnnInstallCommand(): string {
  if (platform() === 'darwin') return 'brew install onednn && npm run build:addon';
  return 'sudo apt-get install libdnnl-dev && npm run build:addon   (or: conda install -c conda-forge onednn)';
}

interface Probe { available: boolean; why: string; adapter?: GPUAdapter; gpu?: GpuAdapterFacts }

async function probe(name: BackendName, forced: boolean): Promise<Probe> {
  switch (name) {
    case 'webgpu': {
      // Loading Dawn costs about a second and its Vulkan loader warns on stderr; on a Linux machine with no GPU
      // device node there is nothing for `auto` to find, so it does not try.
      if (!forced && !linuxGpuNode()) return { available: false, why: 'no GPU device node (/dev/dri/renderD*, /dev/nvidia0)' };
      const p = await probeWebGpu();
      if (!p.adapter || !p.facts) return { available: false, why: p.why };
      // SwiftShader computes on the CPU, slower than oneDNN: only a forced webgpu (tests, CI) takes it.
      if (p.facts.fallback && !forced) return { available: false, why: `${p.why} is a CPU fallback (force it with NNUNET_BACKEND=webgpu)` };
      return { available: true, why: p.why, adapter: p.adapter, gpu: p.facts };
    }
    case 'tfjs-node-gpu':
      if (!isInstalled('@tensorflow/tfjs-node-gpu')) return { available: false, why: '@tensorflow/tfjs-node-gpu is not installed' };
      if (!gpuPresent()) return { available: false, why: 'tfjs-node-gpu is installed but no NVIDIA GPU is visible' };
      return { available: true, why: 'tfjs-node-gpu is installed and an NVIDIA GPU is present' };
    case 'onednn': {
      const addon = loadAddon();
      return addon
        ? { available: true, why: `the oneDNN addon loaded (oneDNN ${addon.info().version})` }
        : { available: false, why: `the oneDNN addon is ${addonLoadError()}` };
    }
    case 'tfjs-node':
      return isInstalled('@tensorflow/tfjs-node')
        ? { available: true, why: '@tensorflow/tfjs-node is installed' }
        : { available: false, why: '@tensorflow/tfjs-node is not installed' };
    case 'cpu':
      return { available: true, why: 'pure tfjs-cpu always works' };
  }
}

function threadCount(): number {
  const env = process.env.NNUNET_THREADS;
  if (env === undefined || env === '') return availableParallelism();
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) {
    throw new BackendError('BACKEND_BAD_THREADS', `NNUNET_THREADS must be a positive integer, got '${env}'`);
  }
  return n;
}

/** An environment variable that takes one of `modes` ('auto' when unset or empty); `code` names the error. */
function envMode<T extends string>(name: string, modes: readonly T[], code: string): T | 'auto' {
  const env = process.env[name];
  if (env === undefined || env === '') return 'auto';
  if (!(modes as readonly string[]).includes(env)) {
    throw new BackendError(code, `${name} must be one of ${modes.join(', ')}, got '${env}'`);
  }
  return env as T;
}

const convAlgoMode = (): ConvAlgoMode => envMode('NNUNET_CONV_ALGO', CONV_ALGO_MODES, 'BACKEND_BAD_CONV_ALGO');

function precisionOn(gpu: GpuAdapterFacts): PrecisionChoice {
  const p = precisionFor(envMode<AmpMode>('NNUNET_AMP', AMP_MODES, 'BACKEND_BAD_AMP'), gpu);
  if ('error' in p) throw new BackendError('BACKEND_NO_F16', `${p.error} (${describeAdapter(gpu)}); set NNUNET_AMP=auto or off`);
  return p;
}

/**
 * Under `tune`, hands the tuner the choices saved for this adapter and saves what it times from now on. A file that
 * cannot be written costs one warning, not the run: choices are an optimisation.
 */
async function persistConvTuning(file: string, gpu: GpuAdapterFacts): Promise<ConvTuningInfo> {
  const { choices, warning } = await loadConvTuning(file, gpu);
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  rememberConvChoices(choices);
  let warned = false;
  onConvsTuned(async (timed) => {
    try {
      await saveConvTuning(file, gpu, timed);
    } catch (err) {
      if (!warned) process.stderr.write(`warning: could not save conv tuning to ${file}: ${(err as Error).message}\n`);
      warned = true;
    }
  });
  return { file, loaded: choices.length, ...(warning ? { warning } : {}) };
}

async function activate(name: BackendName, p: Probe): Promise<Pick<BackendInfo, 'onednn' | 'kernels' | 'gpu' | 'convAlgorithm' | 'convTuning' | 'precision'>> {
  // read before anything changes, so a bad value leaves the running backend as it was
  const convAlgorithm = name === 'webgpu' ? convPolicyFor(convAlgoMode(), p.gpu!.fallback) : undefined;
  const precision = name === 'webgpu' ? precisionOn(p.gpu!) : undefined;
  const tuningFile = convAlgorithm === 'tune' ? convTuningFile() : null;
  restoreStockKernels();
  resetNetOps();
  if (convAlgorithm) {
    await activateWebGpu(p.adapter!, convAlgorithm, precision!.precision);
    const convTuning = tuningFile ? await persistConvTuning(tuningFile, p.gpu!) : undefined;
    return { gpu: p.gpu, convAlgorithm, precision, ...(convTuning ? { convTuning } : {}) };
  }
  if (name === 'tfjs-node-gpu' || name === 'tfjs-node') {
    await import(name === 'tfjs-node' ? '@tensorflow/tfjs-node' : '@tensorflow/tfjs-node-gpu');
    await tf.setBackend('tensorflow');
    return {};
  }
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  // tfjs-cpu greets Node users with "install tfjs-node" on its first tensor; `nnunet doctor` gives the accurate
  // advice for this machine instead, so the greeting is switched off.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  if (name === 'cpu') return {};
  const addon = loadAddon()!;
  addon.setThreads(threadCount());
  const kernels = registerNativeKernels();
  useNetOps(onednnNetOps);
  const { version, isa, threads } = addon.info();
  return { onednn: { version, isa, threads }, kernels };
}

function hint(name: BackendName): string | undefined {
  if (GPU_BACKENDS.has(name)) return undefined;
  if (gpuPresent() && !isInstalled('@tensorflow/tfjs-node-gpu')) return 'npm install @tensorflow/tfjs-node-gpu';
  if (name === 'onednn') return undefined;
  if (process.env.NNUNET_NO_ADDON === '1') return 'unset NNUNET_NO_ADDON';
  return oneDnnInstallCommand();
}

let current: BackendInfo | undefined;

/** Picks and activates the backend; `prefer` defaults to env NNUNET_BACKEND, then 'auto'. */
export async function initBackend(prefer?: BackendName | 'auto', opts: { cpuOnly?: boolean } = {}): Promise<BackendInfo> {
  const asked = prefer ?? (process.env.NNUNET_BACKEND || 'auto');
  if (asked !== 'auto' && !(ORDER as string[]).includes(asked)) {
    throw new BackendError('BACKEND_UNKNOWN', `unknown backend '${asked}'; choose one of auto, ${ORDER.join(', ')}`);
  }
  if (opts.cpuOnly && GPU_BACKENDS.has(asked as BackendName)) {
    throw new BackendError('BACKEND_CONFLICT', `-device cpu, but NNUNET_BACKEND=${asked} is a GPU backend: unset one of them`);
  }
  const candidates = asked === 'auto' ? ORDER.filter((b) => !(opts.cpuOnly && GPU_BACKENDS.has(b))) : [asked as BackendName];
  const skipped: string[] = [];
  for (const name of candidates) {
    const p = await probe(name, asked !== 'auto');
    if (!p.available) {
      skipped.push(`${name}: ${p.why}`);
      continue;
    }
    const extra = await activate(name, p);
    const how = asked === 'auto' ? 'auto' : `requested (${prefer ? 'prefer' : 'NNUNET_BACKEND'})`;
    current = {
      name,
      tfjsVersion: tf.version_core,
      ...extra,
      reason: [`${how}: ${p.why}`, ...skipped.map((s) => `skipped ${s}`)].join('; '),
      fasterHint: hint(name),
    };
    return current;
  }
  throw new BackendError('BACKEND_UNAVAILABLE', `backend '${asked}' is unavailable: ${skipped.join('; ')}`
    + (asked === 'onednn' ? `; to get it: ${oneDnnInstallCommand()}` : '')
    + (asked === 'webgpu' ? '; to get it: a GPU driver with Vulkan (Linux: apt-get install libvulkan1), or chromium for the SwiftShader CPU adapter' : ''));
}

/** The backend chosen by the last initBackend (undefined before). */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

/** One line for log headers and run records: `onednn 2.6.3 avx512_core x2 threads, tfjs 4.22.0`. */
export function describeBackend(info: BackendInfo): string {
  const native = info.onednn ? ` ${info.onednn.version} ${info.onednn.isa} x${info.onednn.threads} threads` : '';
  const cached = info.convTuning ? ` (${info.convTuning.loaded} shapes from ${info.convTuning.file})` : '';
  const amp = info.precision?.precision === 'f16' ? ', mixed precision (f16 convs)' : '';
  const gpu = info.gpu ? ` on ${describeAdapter(info.gpu)}, conv ${info.convAlgorithm}${cached}${amp}` : '';
  return `${info.name}${native}${gpu}, tfjs ${info.tfjsVersion}`;
}

let starting: Promise<BackendInfo> | undefined;

/** The active backend, started on first use: every entry point that runs a network calls this. */
export function ensureBackend(): Promise<BackendInfo> {
  if (current) return Promise.resolve(current);
  starting ??= initBackend().finally(() => { starting = undefined; });
  return starting;
}

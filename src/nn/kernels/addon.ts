/**
 * The only module that loads the oneDNN addon (native/build/Release/nnunet_dnnl.node, built by
 * scripts/build-addon.mjs during `npm ci`). Returns null when it is absent or does not load, so every caller
 * has a pure-tfjs path. Buffers cross the boundary as Float32Arrays; every output is caller-allocated.
 * NNUNET_NO_ADDON=1 makes it absent (the CI job that runs everything on the pure-tfjs fallback).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Conv geometry, see conv-geometry.ts: N, Ci, D, H, W, Co, kd, kh, kw, sd, sh, sw, pad-before dhw, pad-after dhw, Do, Ho, Wo. */
export type Geometry = readonly number[];

export interface NativeAddon {
  convForward(g: Geometry, x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array): void;
  convBackwardData(g: Geometry, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  convBackwardWeights(g: Geometry, x: Float32Array, dy: Float32Array, dw: Float32Array, dbias: Float32Array | null): void;
  convImplementations(): { forward: string; backwardData: string; backwardWeights: string };
  instanceNormForward(n: number, v: number, c: number, x: Float32Array, gamma: Float32Array, beta: Float32Array,
    eps: number, slope: number, y: Float32Array, mean: Float32Array, rstd: Float32Array): void;
  instanceNormBackward(n: number, v: number, c: number, dy: Float32Array, x: Float32Array, gamma: Float32Array,
    beta: Float32Array, mean: Float32Array, rstd: Float32Array, slope: number, dx: Float32Array,
    dgamma: Float32Array, dbeta: Float32Array): void;
  leakyReluForward(x: Float32Array, slope: number, y: Float32Array): void;
  leakyReluBackward(x: Float32Array, dy: Float32Array, slope: number, dx: Float32Array): void;
  expForward(x: Float32Array, y: Float32Array): void;
  copyChannels(rows: number, src: Float32Array, srcChannels: number, srcOffset: number,
    dst: Float32Array, dstChannels: number, dstOffset: number, count: number): void;
  softmaxForward(rows: number, c: number, x: Float32Array, y: Float32Array): void;
  softmaxBackward(rows: number, c: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** out = a (op) b with broadcasting; op 0 add, 1 sub, 2 mul, 3 div; see broadcast-plan.ts */
  binaryOp(op: number, shape: number[], stridesA: number[], stridesB: number[], a: Float32Array, b: Float32Array, out: Float32Array): void;
  addBias(rows: number, c: number, y: Float32Array, b: Float32Array): void;
  sumRows(rows: number, c: number, x: Float32Array, out: Float32Array): void;
  sgdNesterov(params: Float32Array, grads: Float32Array, momentum: Float32Array, lr: number, mu: number, weightDecay: number): void;
  info(): { version: string; isa: string; threads: number; cachedPrimitives: number };
  setThreads(n: number): void;
  clearCache(): void;
}

export const ADDON_PATH = fileURLToPath(new URL('../../../native/build/Release/nnunet_dnnl.node', import.meta.url));

let loaded: { addon: NativeAddon | null; error?: string } | undefined;

/** The addon, or null when it is not built or fails to load (`addonLoadError()` says why). */
export function loadAddon(): NativeAddon | null {
  if (!loaded) {
    if (process.env.NNUNET_NO_ADDON === '1') {
      loaded = { addon: null, error: 'disabled by NNUNET_NO_ADDON=1' };
    } else if (!existsSync(ADDON_PATH)) {
      loaded = { addon: null, error: `not built (${ADDON_PATH} is missing)` };
    } else {
      try {
        loaded = { addon: createRequire(import.meta.url)(ADDON_PATH) as NativeAddon };
      } catch (e) {
        loaded = { addon: null, error: `failed to load: ${(e as Error).message}` };
      }
    }
  }
  return loaded.addon;
}

export function addonLoadError(): string | undefined {
  loadAddon();
  return loaded?.error;
}

/** The addon, for code that only runs once it is known to be loaded. */
export function requireAddon(): NativeAddon {
  const a = loadAddon();
  if (!a) throw new Error(`oneDNN addon unavailable: ${addonLoadError()}`);
  return a;
}

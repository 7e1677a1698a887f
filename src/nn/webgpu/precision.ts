/**
 * Mixed precision on webgpu, as nnU-Net trains and predicts under torch's fp16 autocast on CUDA: the convolutions'
 * operands are rounded to f16 (f16 tiles in workgroup memory, conv-gemm-blocks.ts), their products and sums stay
 * f32, as on tensor cores, and everything else (norms, softmax, loss, optimizer) runs in f32 as autocast leaves it.
 * Training then scales its loss (optim/grad-scaler.ts) so small gradients survive f16. NNUNET_AMP picks it: auto
 * (on for a real GPU with `shader-f16`), on, off. No Node imports: the browser page bundles it.
 */
import type { GpuAdapterFacts } from './adapter.js';

export const AMP_MODES = ['auto', 'on', 'off'] as const;
export type AmpMode = (typeof AMP_MODES)[number];
export type ConvPrecision = 'f32' | 'f16';

export interface PrecisionChoice {
  precision: ConvPrecision;
  why: string;
}

/** What a mode gives on an adapter; `on` where the adapter has no `shader-f16` is an error, returned as its reason. */
export function precisionFor(mode: AmpMode, gpu: GpuAdapterFacts): PrecisionChoice | { error: string } {
  const f16 = gpu.features.includes('shader-f16');
  if (mode === 'off') return { precision: 'f32', why: 'NNUNET_AMP=off' };
  if (mode === 'on') {
    return f16 ? { precision: 'f16', why: 'NNUNET_AMP=on' }
      : { error: 'NNUNET_AMP=on needs the WebGPU feature shader-f16, which this adapter does not offer' };
  }
  if (!f16) return { precision: 'f32', why: 'the adapter offers no shader-f16 (NNUNET_AMP=auto)' };
  if (gpu.fallback) return { precision: 'f32', why: 'a CPU fallback adapter gains nothing from f16 (NNUNET_AMP=on forces it)' };
  return { precision: 'f16', why: 'a GPU with shader-f16 (NNUNET_AMP=auto; off switches it off)' };
}

let precision: ConvPrecision = 'f32';

/** Set when the device starts (activate.ts), before any convolution runs. */
export function setConvPrecision(p: ConvPrecision): void {
  precision = p;
}

export const convPrecision = (): ConvPrecision => precision;

/** Whether training must scale its loss: the convolutions' gradients pass through f16. */
export const needsLossScaling = (): boolean => precision === 'f16';

/**
 * Directives (`enable f16;`) must open a WGSL module, but tfjs-backend-webgpu puts its own declarations before a
 * program's code, so a program writes them where it likes and the device's shader compiler gets them hoisted.
 */
export function hoistDirectives(code: string): string {
  const directives: string[] = [];
  const rest = code.replace(/^[ \t]*enable[ \t]+[\w \t,]+;[ \t]*$/gm, (d) => {
    directives.push(d.trim());
    return '';
  });
  return directives.length === 0 ? code : `${[...new Set(directives)].join('\n')}\n${rest}`;
}

// Mixed precision in the conv GEMM (f16 tiles, f32 sums) on an adapter with shader-f16 (lavapipe in CI: see
// test/gpu/f16-adapter.ts). With every operand already exact in f16 the f16 kernels must give the f32 result
// (a product of two f16 values is exact in f32), held to the f32 tolerance; on arbitrary values they round their
// operands as torch's autocast does, held to the documented F16_TOL; past f16's range they give inf, which is what
// the loss scaler detects.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../ops/gradients.js';
import { initBackend } from '../backend.js';
import { CONV_CASES as CASES } from '../../../test/gpu/conv-cases.js';
import { probeF16Adapter } from '../../../test/gpu/f16-adapter.js';
import { roundToFloat16 } from '../data/float16.js';
import { expectParity } from '../../../test/gpu/parity.js';
import { convCandidates, describeTuning, kernelFingerprint, setConvPolicy, tunePendingConvs } from './conv-tuner.js';
import { webgpuNetOps } from './net-ops.js';
import { convPrecision, setConvPrecision } from './precision.js';
import { webgpuBackend } from './queue.js';

/**
 * f16 operands against the f32 reference, relative to the largest value (README, "Mixed precision"): 3.0-3.3e-4
 * measured on the cases below.
 */
const F16_TOL = 2e-3;

/** every value rounded to f16 (torch's cast): the operands of a product that f16 tiles hold exactly */
const halfArray = (v: Float32Array): Float32Array => v.map(roundToFloat16);

const probe = await probeF16Adapter();
if (!probe.f16) console.warn(`f16 conv GEMM tests skipped: ${probe.why}`);

/** How many compiled f16 GEMM pipelines tfjs holds (its pipeline cache, keyed by shaderKey). */
const f16Pipelines = (variant: string): number =>
  Object.keys((webgpuBackend() as unknown as { pipelineCache: object }).pipelineCache)
    .filter((k) => k.startsWith(`nnConvGemm_${variant}_f16_`)).length;

describe.skipIf(!probe.f16)('conv GEMM in mixed precision (lavapipe in CI)', () => {
  beforeAll(async () => {
    process.env.NNUNET_AMP = 'on';
    await initBackend('webgpu');
    expect(convPrecision()).toBe('f16');
  });
  afterAll(() => {
    delete process.env.NNUNET_AMP;
    setConvPolicy('gemm');
  });

  // with the vec4 cases below: split-K on every product, phased and plain data gradients, few and many channels,
  // 2D, 3D and transposed (each f16 kernel compiles for seconds on lavapipe, so not every case on both blocks)
  it.each([1, 4, 6, 9, 10].map((i) => [CASES[i].name, CASES[i]] as const))('f16-exact operands give the f32 result: %s', async (_name, c) => {
    const before = f16Pipelines('tiled');
    await expectParity(webgpuNetOps, c.op, c.shapes, halfArray);
    expect(f16Pipelines('tiled')).toBeGreaterThan(before);
  });

  it.each([0, 2, 8].map((i) => [CASES[i].name, CASES[i]] as const))('vec4 block, f16-exact operands: %s', async (_name, c) => {
    setConvPolicy('gemm-vec4');
    try {
      const before = f16Pipelines('vec4');
      await expectParity(webgpuNetOps, c.op, c.shapes, halfArray);
      expect(f16Pipelines('vec4')).toBeGreaterThan(before);
    } finally {
      setConvPolicy('gemm');
    }
  });

  it.each([1, 4, 6].map((i) => [CASES[i].name, CASES[i]] as const))('arbitrary f32 operands within F16_TOL of f32: %s', async (_name, c) => {
    const err = await expectParity(webgpuNetOps, c.op, c.shapes, (v) => v, F16_TOL);
    // the operands were rounded: a kernel that kept f32 would be far closer
    expect(err).toBeGreaterThan(1e-5);
  });

  it('tunes f16 products apart from f32 ones: their own keys and fingerprints, the f16 GEMM against the f32 one and stock', async () => {
    // the tiled f16 kernels of this case were compiled above: only the f32 GEMM's and stock's compile here
    const c = CASES[10];
    setConvPolicy('tune');
    try {
      await expectParity(webgpuNetOps, c.op, c.shapes, halfArray);
      const timed = await tunePendingConvs(1);
      expect(timed.map((t) => t.kind).sort()).toEqual(['dw', 'dx', 'fwd']);
      for (const t of timed) {
        expect(t.key).toMatch(/^(fwd|dx|dw) f16 /);
        // under mixed precision the f32 GEMM is a candidate too (vec4 is not worthwhile on this small case)
        expect(convCandidates(t.kind, c.shape)).toEqual(['gemm', 'gemm-f32', 'stock']);
        for (const algo of ['gemm', 'gemm-f32', 'stock'] as const) expect(t.ms[algo]).toBeGreaterThan(0);
        expect(Math.min(...Object.values(t.ms))).toBe(t.ms[t.chosen]);
        setConvPrecision('f32');
        const f32Kernel = kernelFingerprint(t.kind, c.shape);
        setConvPrecision('f16');
        expect(t.kernel).toBe(kernelFingerprint(t.kind, c.shape));
        expect(t.kernel).not.toBe(f32Kernel);
      }
      expect(describeTuning(timed)).toMatch(/^conv tuning: 3 convolution products timed on the device \(GEMM tiles in f16\): GEMM \d.*, f32 GEMM \d.*, stock kernels \d/);
      // and the chosen kernels compute the same products
      await expectParity(webgpuNetOps, c.op, c.shapes, halfArray);
    } finally {
      setConvPolicy('gemm');
    }
  });

  it('turns a value past f16 range into inf in the result, as an autocast conv overflows', async () => {
    const x = tf.tensor(new Float32Array(2 * 3 * 3 * 2).fill(1).map((v, i) => (i === 7 ? 7e4 : v)), [1, 2, 3, 3, 2]);
    const w = tf.ones([1, 3, 3, 2, 4]);
    const y = webgpuNetOps.conv(x, w, null, [1, 1, 1], [0, 1, 1]);
    const v = (await y.data()) as Float32Array;
    expect(v.some((e) => e === Infinity)).toBe(true);
    expect(v.filter((e) => Number.isFinite(e)).length).toBeGreaterThan(0);
    tf.dispose([x, w, y]);
  });
});

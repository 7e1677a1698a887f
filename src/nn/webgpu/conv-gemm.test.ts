// The conv GEMM's split-K: gemmPlan's choice from the shape (pure), and parity with the tfjs-cpu reference
// (forward, data and filter gradients) for shapes that take the split path and shapes that do not, 2D and 3D,
// anisotropic kernels and strides, transposed conv too. Each parity case first checks which path its products
// take, so a change to the plan cannot quietly leave a path untested. Runs on SwiftShader in CI.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../ops/gradients.js';
import { initBackend } from '../backend.js';
import { symmetricConvShape, transposedConvShape, type ConvShape } from '../kernels/conv-geometry.js';
import { CONV_CASES as CASES } from '../../../test/gpu/conv-cases.js';
import { expectParity } from '../../../test/gpu/parity.js';
import type { GemmVariant } from './conv-gemm-blocks.js';
import { gemmPlan, phasesOf, type GemmKind } from './conv-gemm.js';
import { setConvPolicy } from './conv-tuner.js';
import { probeWebGpu } from './device.js';
import { webgpuNetOps } from './net-ops.js';
import { webgpuBackend } from './queue.js';

const KINDS: GemmKind[] = ['fwd', 'dx', 'dw'];
const conv3 = (x: number[], w: number[], strides: number[]): ConvShape =>
  symmetricConvShape(x, w, strides, w.slice(0, x.length - 2).map((k) => Math.floor(k / 2)));

describe('gemmPlan split-K', () => {
  it('splits the reduction of deep layers (few tiles, long K) into chunks that cover K once', () => {
    // BraTS-sized deepest conv: 320 -> 320 channels on 2 x 4^3 voxels, K = 27 * 320
    const s = conv3([2, 4, 4, 4, 320], [3, 3, 3, 320, 320], [1, 1, 1]);
    for (const kind of ['fwd', 'dx'] as const) {
      const p = gemmPlan(kind, s);
      expect(p.K).toBe(8640);
      expect(p.tilesM * p.tilesN).toBeLessThan(16);
      expect(p.split).toBeGreaterThan(8);
      expect(p.kChunk % 16).toBe(0);
      expect(p.kChunk).toBeGreaterThanOrEqual(128);
      expect((p.split - 1) * p.kChunk).toBeLessThan(p.K);
      expect(p.split * p.kChunk).toBeGreaterThanOrEqual(p.K);
    }
  });

  it('fits the rows of a tile to a few-voxel output and splits its reduction', () => {
    // Hippocampus deepest conv at batch 1 on a small patch: one voxel, 256 -> 256 channels
    const one = conv3([1, 1, 1, 1, 256], [3, 3, 3, 256, 256], [1, 1, 1]);
    expect(gemmPlan('fwd', one)).toMatchObject({ M: 1, tileM: 16, tileN: 128, tilesM: 1, tilesN: 2 });
    expect(gemmPlan('fwd', one).split).toBeGreaterThan(8);
    expect(gemmPlan('fwd', conv3([1, 2, 3, 4, 8], [3, 3, 3, 8, 8], [1, 1, 1])).tileM).toBe(32);
    expect(gemmPlan('fwd', conv3([1, 4, 4, 4, 8], [3, 3, 3, 8, 8], [1, 1, 1])).tileM).toBe(64);
  });

  it('leaves large first-stage products whole, splits their filter gradient over voxels', () => {
    // Hippocampus 3d_fullres first stage: 32 -> 32 channels on 9 x 40x56x40 voxels
    const s = conv3([9, 40, 56, 40, 32], [3, 3, 3, 32, 32], [1, 1, 1]);
    expect(gemmPlan('fwd', s).split).toBe(1);
    expect(gemmPlan('dx', s).split).toBe(1);
    const dw = gemmPlan('dw', s);
    expect(dw.split).toBeGreaterThan(1);
    expect(dw.kChunk).toBeGreaterThanOrEqual(512);
  });

  it('does not split a short reduction however few the tiles', () => {
    const s = conv3([1, 2, 2, 2, 4], [3, 3, 3, 4, 8], [1, 1, 1]);
    expect(KINDS.map((k) => gemmPlan(k, s).split)).toEqual([1, 1, 1]);
  });
});

describe('gemmPlan phases of a strided data gradient', () => {
  it('gives every input voxel one phase and every tap to the phases of its residue', () => {
    // odd sizes (not divisible by the stride), anisotropic stride and kernel
    const s = conv3([2, 7, 5, 6, 3], [3, 1, 3, 3, 4], [2, 1, 2]);
    const phases = phasesOf(s);
    expect(phases).toHaveLength(4);
    expect(phases.reduce((a, p) => a + p.rows, 0)).toBe(2 * 7 * 5 * 6);
    expect(phases.reduce((a, p) => a + p.K, 0)).toBe(9 * 4);
    const p = gemmPlan('dx', s);
    expect(p.K).toBe(Math.max(...phases.map((q) => q.K)));
    expect(p.tilesM).toBe(phases.reduce((a, q) => a + Math.ceil(q.rows / p.tileM), 0));
    expect(p.phases.map((q) => q.tile0)).toEqual([0, 1, 2, 3].map((i) => phases.slice(0, i).reduce((a, q) => a + Math.ceil(q.rows / p.tileM), 0)));
  });

  it("runs a transposed conv's forward (kernel == stride 2) as 8 one-tap phases, a stride-1 dx as one phase", () => {
    const t = transposedConvShape([1, 4, 4, 4, 64], [2, 2, 2, 32, 64], [2, 2, 2]);
    expect(gemmPlan('dx', t).phases.map((p) => p.K)).toEqual(new Array(8).fill(64));
    const one = gemmPlan('dx', conv3([1, 4, 4, 4, 8], [3, 3, 3, 8, 8], [1, 1, 1]));
    expect(one.phases).toHaveLength(1);
    expect(one.K).toBe(27 * 8);
    expect(gemmPlan('fwd', t).phases).toEqual([]);
  });
});

const probe = await probeWebGpu();
if (!probe.adapter) console.warn(`conv-gemm parity tests skipped: ${probe.why}`);

describe.skipIf(!probe.adapter)('conv GEMM parity, split-K and not (SwiftShader in CI)', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(KINDS.map((k) => gemmPlan(k, c.shape).split > 1)).toEqual(c.split);
    expect(gemmPlan('dx', c.shape).phases).toHaveLength(c.shape.strides.reduce((a, b) => a * b, 1));
    await expectParity(webgpuNetOps, c.op, c.shapes);
  });
});

/** How many compiled GEMM pipelines of this kernel tfjs holds (its private pipeline cache, keyed by shaderKey). */
const pipelinesOf = (variant: GemmVariant): number =>
  Object.keys((webgpuBackend() as unknown as { pipelineCache: object }).pipelineCache)
    .filter((k) => k.includes(`nnConvGemm_${variant}_`)).length;

// vec4 on the cases that reach its three tile shapes (32, 64 and 128 columns), bias, split-K on each product, phased
// data gradients, 2D and the transposed conv; its kernels compile slowly on SwiftShader, so not on all of them
const VEC4_CASES = CASES.filter((c) => [0, 1, 2, 4, 6, 8].includes(CASES.indexOf(c)));

describe.skipIf(!probe.adapter)('conv GEMM parity on the vec4 register blocks (SwiftShader in CI)', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
    setConvPolicy('gemm-vec4');
  });
  afterAll(() => setConvPolicy('gemm'));

  it('covers every tile width of vec4 and split-K on each product', () => {
    const plans = VEC4_CASES.flatMap((c) => KINDS.map((k) => gemmPlan(k, c.shape, 'vec4')));
    expect(new Set(plans.map((p) => p.tileN))).toEqual(new Set([32, 64, 128]));
    for (const k of KINDS) expect(VEC4_CASES.some((c) => gemmPlan(k, c.shape, 'vec4').split > 1), k).toBe(true);
  });

  it.each(VEC4_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = pipelinesOf('vec4');
    await expectParity(webgpuNetOps, c.op, c.shapes);
    expect(pipelinesOf('vec4')).toBeGreaterThan(before);
  });
});

describe.skipIf(!probe.adapter)('conv gradients are lazy per input (SwiftShader in CI)', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  /** the kernels one loss-and-gradients evaluation runs */
  const kernelsOf = async (loss: () => tf.Tensor, vars: tf.Variable[]): Promise<string[]> => (await tf.profile(() => {
    const r = tf.variableGrads(() => tf.sum(loss()) as tf.Scalar, vars);
    return [r.value, ...Object.values(r.grads)];
  })).kernelNames;

  it("computes the data gradient only when something trained lies behind the input (the network input's is skipped)", async () => {
    const x = tf.ones([1, 3, 4, 5, 2]);
    const w = tf.variable(tf.ones([3, 3, 3, 2, 4]));
    const b = tf.variable(tf.zeros([4]));
    const w0 = tf.variable(tf.ones([1, 1, 1, 2, 2]));
    const conv = (input: tf.Tensor) => webgpuNetOps.conv(input, w, b, [1, 1, 1], [1, 1, 1]);
    const first = await kernelsOf(() => conv(x), [w, b]);
    expect(first).toEqual(expect.arrayContaining(['NnConv', 'NnConvBackpropFilter', 'NnBiasGrad']));
    expect(first).not.toContain('NnConvBackpropInput');
    // the same conv behind a trained one: now its data gradient is on the path
    const deep = await kernelsOf(() => conv(webgpuNetOps.conv(x, w0, null, [1, 1, 1], [0, 0, 0])), [w0, w, b]);
    expect(deep).toContain('NnConvBackpropInput');
    tf.dispose([x, w, b, w0]);
  });
});

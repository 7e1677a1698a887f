import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { computeGaussian } from './gaussian.js';
import { mirrorVariants } from './mirror.js';
import { predictSlidingWindowAsync, type PatchPredictor } from './sliding-window.js';
import { computeSteps, paddingToAtLeast } from './steps.js';

interface Golden {
  steps: Array<{ image: number[]; patch: number[]; step: number; steps: number[][] }>;
  gaussian: Array<{ patch: number[]; max: number; min: number; sum: number; values?: number[] }>;
  windows: Array<{ name: string; shape: number[]; patch: number[]; mirror_axes: number[]; data: number[];
    kernels: number[][]; biases: number[]; logits: number[] }>;
}
const golden = JSON.parse(readFileSync(new URL('../../../test/predict/golden/sliding-window.json', import.meta.url), 'utf8')) as Golden;

/** The golden file's fake network: a zero-padded 3x3(x3) correlation per output channel plus a bias. */
function correlationNet(kernels: number[][], biases: number[], rank: number): PatchPredictor {
  const ks = Array<number>(rank).fill(3);
  const k = kernels[0].length;
  const w = new Float32Array(k * kernels.length);
  kernels.forEach((kern, o) => kern.forEach((v, i) => { w[i * kernels.length + o] = v; }));
  const filter = tf.tensor(w, [...ks, 1, kernels.length]);
  const bias = tf.tensor1d(biases);
  return (x) => tf.add(rank === 3
    ? tf.conv3d(x as tf.Tensor5D, filter as tf.Tensor5D, 1, 'same')
    : tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same'), bias);
}

describe('computeSteps (spec §6.4)', () => {
  it('matches upstream tile positions, rounding half to even', () => {
    for (const g of golden.steps) {
      const padded = paddingToAtLeast(g.image, g.patch).shape;
      expect(computeSteps(padded, g.patch, g.step)).toEqual(g.steps);
    }
    expect(computeSteps([110], [64], 0.5)).toEqual([[0, 23, 46]]);
    // 3 tiles spaced (13 - 8) / 2 = 2.5 apart: 2.5 -> 2 (half to even, Math.round would say 3)
    expect(computeSteps([13], [8], 0.5)).toEqual([[0, 2, 5]]);
  });
  it('rejects a step size outside (0, 1]', () => {
    expect(() => computeSteps([10], [4], 0)).toThrow(expect.objectContaining({ code: 'PREDICT_BAD_STEP_SIZE' }));
  });
  it('pads with the extra voxel on the high side', () => {
    expect(paddingToAtLeast([4, 13, 7], [6, 8, 8])).toEqual({ before: [1, 0, 0], after: [1, 0, 1], shape: [6, 13, 8] });
    expect(paddingToAtLeast([3], [8])).toEqual({ before: [2], after: [3], shape: [8] });
  });
});

describe('computeGaussian (spec §6.4)', () => {
  it('matches scipy gaussian_filter of a delta, scaled to max 10', () => {
    for (const g of golden.gaussian) {
      const ours = computeGaussian(g.patch);
      expect(Math.max(...ours)).toBeCloseTo(g.max, 5);
      expect(Math.min(...ours)).toBeCloseTo(g.min, 12);
      expect(ours.reduce((a, b) => a + b, 0) / g.sum).toBeCloseTo(1, 5);
      if (g.values) g.values.forEach((v, i) => expect(ours[i]).toBeCloseTo(v, 5));
    }
  });
  it('replaces zeros beyond the truncation radius by the smallest nonzero value', () => {
    // the default sigma never truncates inside a patch, so use a narrow one: sigma 2, radius 8
    const g = computeGaussian([64], 1 / 32);
    // everything further than 8 from the centre 32 was zero and now holds the minimum
    const inside = Math.exp(-0.5 * (8 / 2) ** 2) * 10;
    expect(g[24]).toBeCloseTo(inside, 6);
    expect(g[0]).toBe(g[23]);
    expect(g[0]).toBeCloseTo(inside, 6);
  });
});

describe('mirrorVariants', () => {
  it('lists identity then every subset in itertools.combinations order', () => {
    expect(mirrorVariants([0, 1, 2]).map((f) => f.map(Number).join(''))).toEqual(
      ['000', '100', '010', '001', '110', '101', '011', '111']);
    expect(mirrorVariants([1, 2])).toHaveLength(4);
    expect(mirrorVariants([])).toEqual([[false, false, false]]);
  });
});

describe('predictSlidingWindowAsync vs a numpy replica of nnU-Net', () => {
  for (const w of golden.windows) {
    it(`${w.name}: logits match`, async () => {
      const net = correlationNet(w.kernels, w.biases, w.patch.length);
      const before = tf.memory().numTensors;
      for (const maxBatch of [1, 3, 8]) {
        const logits = await predictSlidingWindowAsync(
          { data: Float32Array.from(w.data), channels: 1, shape: w.shape as [number, number, number] }, net,
          { patchSize: w.patch, numClasses: 2, mirrorAxes: w.mirror_axes, maxBatch });
        expect(logits.length).toBe(w.logits.length);
        let worst = 0;
        for (let i = 0; i < logits.length; i++) worst = Math.max(worst, Math.abs(logits[i] - w.logits[i]));
        expect(worst).toBeLessThan(1e-4);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('mirroring with a mirror-equivariant network changes nothing', async () => {
    // a symmetric kernel commutes with flips, so TTA must reproduce the plain prediction
    const sym = [Array<number>(27).fill(0).map((_, i) => (i === 13 ? 2 : 0.1)), Array<number>(27).fill(-0.05)];
    const net = correlationNet(sym, [0, 1], 3);
    const data = Float32Array.from({ length: 9 * 10 * 11 }, (_, i) => Math.sin(i * 0.37));
    const input = { data, channels: 1, shape: [9, 10, 11] as [number, number, number] };
    const plain = await predictSlidingWindowAsync(input, net, { patchSize: [6, 8, 8], numClasses: 2, mirrorAxes: null });
    const tta = await predictSlidingWindowAsync(input, net, { patchSize: [6, 8, 8], numClasses: 2, mirrorAxes: [0, 1, 2] });
    for (let i = 0; i < plain.length; i++) expect(tta[i]).toBeCloseTo(plain[i], 4);
  });

  it('fails clearly when the network returns the wrong number of classes', async () => {
    const net: PatchPredictor = (x) => tf.concat([x, x, x], -1);
    const input = { data: new Float32Array(8 * 8 * 8), channels: 1, shape: [8, 8, 8] as [number, number, number] };
    await expect(predictSlidingWindowAsync(input, net, { patchSize: [8, 8, 8], numClasses: 2, mirrorAxes: null }))
      .rejects.toThrow(expect.objectContaining({ code: 'PREDICT_BAD_NETWORK_OUTPUT' }));
  });
});

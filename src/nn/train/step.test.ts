import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '../ops/index.js';
import { networkSpec, UNet, type PlansArchitecture } from '../unet/index.js';
import { GradScaler, NesterovSgd } from '../optim/index.js';
import { deepSupervisionScales, deepSupervisionWeights } from '../loss/index.js';
import { trainStep, validationStep, type StepSetup } from './step.js';
import { accumulateCounts, emaUpdate, emptyCounts, nanMean, pseudoDice } from './pseudo-dice.js';
import { channelsFirstToLast } from './layout.js';

const arch: PlansArchitecture = {
  network_class_name: 'PlainConvUNet',
  arch_kwargs: {
    n_stages: 3, features_per_stage: [2, 4, 4], conv_op: 'torch.nn.modules.conv.Conv3d', kernel_sizes: [[3, 3, 3], [3, 3, 3], [3, 3, 3]],
    strides: [[1, 1, 1], [1, 2, 2], [2, 2, 2]], n_conv_per_stage: [1, 1, 1], n_conv_per_stage_decoder: [1, 1], conv_bias: true,
    norm_op: 'InstanceNorm3d', norm_op_kwargs: { eps: 1e-5, affine: true }, dropout_op: null, dropout_op_kwargs: null,
    nonlin: 'LeakyReLU', nonlin_kwargs: { inplace: true },
  },
  _kw_requires_import: [],
};

function batch(seed: number) {
  const shape = [2, 1, 4, 8, 8];
  const n = 2 * 4 * 8 * 8;
  const data = new Float32Array(n);
  const seg = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    seg[i] = (i * 7 + seed) % 5 === 0 ? 2 : (i * 3 + seed) % 4 === 0 ? 1 : 0;
    data[i] = seg[i] + Math.sin(i + seed);
  }
  return { data, seg, dataShape: shape, segShape: shape };
}

describe('training step', () => {
  it('keeps tf.memory().numTensors flat over several train and validation iterations', async () => {
    const spec = networkSpec(arch, 1, 3);
    const net = new UNet(spec, 1);
    const opt = new NesterovSgd(net.params.map((p) => p.variable), { momentum: 0.99, weightDecay: 3e-5, nesterov: true });
    const setup: StepSetup = {
      loss: { batchDice: false, ignoreLabel: null, regions: false }, regionSets: null,
      scales: deepSupervisionScales(spec.strides), weights: deepSupervisionWeights(2), gradClip: 12,
    };
    await trainStep(net, opt, batch(0), setup, 0.01);
    await validationStep(net, batch(0), setup, emptyCounts(2));
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      losses.push(await trainStep(net, opt, batch(i % 2), setup, 0.01));
      await validationStep(net, batch(1), setup, emptyCounts(2));
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    net.dispose();
  });

  it('trains on regions with an ignore label without leaking', async () => {
    const spec = networkSpec(arch, 1, 2);
    const net = new UNet(spec, 2);
    const opt = new NesterovSgd(net.params.map((p) => p.variable), { momentum: 0.99, weightDecay: 3e-5, nesterov: true });
    const setup: StepSetup = {
      loss: { batchDice: true, ignoreLabel: 3, regions: true }, regionSets: [[1, 2], [2]],
      scales: deepSupervisionScales(spec.strides), weights: deepSupervisionWeights(2), gradClip: 12,
    };
    const b = batch(3);
    b.seg[0] = 3;
    const before = tf.memory().numTensors;
    const counts = emptyCounts(2);
    expect(Number.isFinite(await trainStep(net, opt, b, setup, 0.01))).toBe(true);
    expect(Number.isFinite(await validationStep(net, b, setup, counts))).toBe(true);
    expect(counts.tp[0] + counts.fp[0] + counts.fn[0]).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});

describe('training step with a loss scaler (mixed precision; f32 math here)', () => {
  const setupOf = (net: UNet, scaler?: GradScaler): StepSetup => ({
    loss: { batchDice: false, ignoreLabel: null, regions: false }, regionSets: null,
    scales: deepSupervisionScales(net.spec.strides), weights: deepSupervisionWeights(2), gradClip: 12, scaler,
  });
  const paramsOf = (net: UNet) => net.params.map((p) => Array.from(p.variable.dataSync()));
  const sgd = (net: UNet) => new NesterovSgd(net.params.map((p) => p.variable), { momentum: 0.99, weightDecay: 3e-5, nesterov: true });

  it('reports the unscaled loss and takes the step an unscaled run takes', async () => {
    const plain = new UNet(networkSpec(arch, 1, 3), 4);
    const scaled = new UNet(networkSpec(arch, 1, 3), 4);
    const scaler = new GradScaler();
    const want = await trainStep(plain, sgd(plain), batch(0), setupOf(plain), 0.01);
    const got = await trainStep(scaled, sgd(scaled), batch(0), setupOf(scaled, scaler), 0.01);
    expect(got).toBeCloseTo(want, 5);
    const a = paramsOf(plain);
    paramsOf(scaled).forEach((p, i) => p.forEach((v, j) => expect(v).toBeCloseTo(a[i][j], 5)));
    expect(scaler.state()).toEqual({ scale: 65536, growthTracker: 1 });
    plain.dispose();
    scaled.dispose();
  });

  it('skips a step whose gradients overflow, leaves the weights, and halves the scale', async () => {
    const net = new UNet(networkSpec(arch, 1, 3), 4);
    const scaler = new GradScaler();
    scaler.scale = 2 ** 100; // the gradients' sum of squares overflows float32
    const before = paramsOf(net);
    const loss = await trainStep(net, sgd(net), batch(0), setupOf(net, scaler), 0.01);
    expect(Number.isFinite(loss)).toBe(true);
    expect(paramsOf(net)).toEqual(before);
    expect(scaler.scale).toBe(2 ** 99);
    expect(scaler.takeSkipped()).toBe(1);
    net.dispose();
  });
});

describe('pseudo Dice', () => {
  it('labels: argmax per voxel, background dropped, ignore voxels skipped', () => {
    // 4 voxels, 3 classes; predictions argmax = [1, 2, 0, 1]; targets [1, 1, 2, 3 (ignore)]
    const logits = new Float32Array([0, 5, 1, 0, 1, 5, 9, 0, 0, 0, 9, 1]);
    const acc = emptyCounts(2);
    accumulateCounts(logits, 3, new Float32Array([1, 1, 2, 3]), { regions: false, ignoreLabel: 3 }, acc);
    expect(Array.from(acc.tp)).toEqual([1, 0]);
    expect(Array.from(acc.fp)).toEqual([0, 1]);
    expect(Array.from(acc.fn)).toEqual([1, 1]);
    expect(pseudoDice(acc)).toEqual([2 / 3, 0]);
  });

  it('regions: logit > 0, ignore channel masks; NaN for absent classes; EMA and nanmean as nnU-Net', () => {
    const acc = emptyCounts(2);
    // 2 voxels, 2 regions + ignore channel; voxel 1 ignored
    accumulateCounts(new Float32Array([1, -1, 1, 1]), 2, new Float32Array([1, 0, 0, 0, 1, 1]), { regions: true, ignoreLabel: 9 }, acc);
    expect(pseudoDice(acc)).toEqual([1, NaN]);
    expect(nanMean([1, NaN])).toBe(1);
    expect(nanMean([NaN])).toBeNaN();
    expect(emaUpdate(null, 0.5)).toBe(0.5);
    expect(emaUpdate(0.5, 1)).toBeCloseTo(0.55, 12);
  });

  it('channels-first batches become channels-last', () => {
    const out = channelsFirstToLast(new Float32Array([1, 2, 3, 10, 20, 30]), [1, 2, 3]);
    expect(out.shape).toEqual([1, 3, 2]);
    expect(Array.from(out.data)).toEqual([1, 10, 2, 20, 3, 30]);
  });
});

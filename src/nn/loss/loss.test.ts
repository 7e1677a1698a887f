import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '../ops/gradients.js';
import '../ops/index.js';
import {
  segmentationLoss, softDiceLoss, deepSupervisionWeights, deepSupervisionScales, downsampleNearestExact,
  targetPyramid, deepSupervisionLoss, roundHalfEven, labelSetup, labelsToRegions,
} from './index.js';

// torch re-statement of nnU-Net's loss classes: test/train/fixtures/make-loss-golden.py
const g = JSON.parse(readFileSync(new URL('../../../test/train/fixtures/loss-golden.json', import.meta.url), 'utf8'));
const value = (t: tf.Tensor) => t.dataSync()[0];

describe('soft Dice (hand-computed)', () => {
  it('one sample, two classes, background dropped', () => {
    // p(fg) = [0.8, 0.2, 0.6], y(fg) = [1, 0, 1]: I = 1.4, P = 1.6, G = 2 -> dc = (2.8 + s)/(3.6 + s)
    const probs = tf.tensor([0.2, 0.8, 0.8, 0.2, 0.4, 0.6], [1, 3, 2]);
    const onehot = tf.tensor([0, 1, 1, 0, 0, 1], [1, 3, 2]);
    const s = 1e-5;
    expect(value(softDiceLoss(probs, onehot, null, { batchDice: false, doBg: false }))).toBeCloseTo(-(2.8 + s) / (3.6 + s), 6);
    // with background: bg I = 0.8, P = 1.4, G = 1 -> mean of both
    const both = (-(1.6 + s) / (2.4 + s) - (2.8 + s) / (3.6 + s)) / 2;
    expect(value(softDiceLoss(probs, onehot, null, { batchDice: false, doBg: true }))).toBeCloseTo(both, 6);
  });

  it('batch dice pools the sums over samples; sample dice averages per-sample scores', () => {
    // sample 0: I=1, P=1, G=1 (dc≈1); sample 1: I=0, P=0, G=0 (dc = s/s = 1) vs P=1, G=0 (dc≈0)
    const probs = tf.tensor([0, 1, 1, 0], [2, 1, 2]);
    const onehot = tf.tensor([0, 1, 1, 0], [2, 1, 2]); // sample 1 has no foreground, predicts none
    expect(value(softDiceLoss(probs, onehot, null, { batchDice: false, doBg: false }))).toBeCloseTo(-1, 6);
    const probs2 = tf.tensor([0, 1, 0, 1], [2, 1, 2]);
    // per sample: [1, s/(1+s)] -> mean ≈ 0.5; batch: I=1, P=2, G=1 -> 2/3
    expect(value(softDiceLoss(probs2, onehot, null, { batchDice: false, doBg: false }))).toBeCloseTo(-0.5, 4);
    expect(value(softDiceLoss(probs2, onehot, null, { batchDice: true, doBg: false }))).toBeCloseTo(-2 / 3, 4);
  });
});

describe('DC_and_CE / DC_and_BCE against nnU-Net (torch golden)', () => {
  const logits = tf.tensor(g.logits, g.logits_shape);
  const target = tf.tensor(g.target, g.target_shape);
  const cfg = { batchDice: true, ignoreLabel: null, regions: false };
  it('labels, batch and per-sample dice', () => {
    expect(value(segmentationLoss(logits, target, cfg))).toBeCloseTo(g.dc_ce_batch, 5);
    expect(value(segmentationLoss(logits, target, { ...cfg, batchDice: false }))).toBeCloseTo(g.dc_ce_sample, 5);
  });
  it('ignore label masks Dice and CE; a batch with nothing annotated has CE 0', () => {
    const ti = tf.tensor(g.target_ignore, g.target_shape);
    expect(value(segmentationLoss(logits, ti, { batchDice: false, ignoreLabel: 3, regions: false }))).toBeCloseTo(g.dc_ce_ignore, 5);
    const all = tf.fill(g.target_shape, 3);
    expect(value(segmentationLoss(logits, all, { batchDice: true, ignoreLabel: 3, regions: false }))).toBeCloseTo(g.dc_ce_all_ignored, 5);
  });
  it('regions: sigmoid + BCE, with and without the ignore channel', () => {
    const shape = [...g.logits_shape.slice(0, -1), 2];
    const rl = tf.tensor(g.region_logits, shape);
    const rt = tf.tensor(g.region_target, [...shape.slice(0, -1), 3]);
    expect(value(segmentationLoss(rl, rt, { batchDice: true, ignoreLabel: 3, regions: true }))).toBeCloseTo(g.dc_bce_ignore, 5);
    const noIgnore = tf.slice(rt, [0, 0, 0, 0, 0], [...shape]);
    expect(value(segmentationLoss(rl, noIgnore, { batchDice: false, ignoreLabel: null, regions: true }))).toBeCloseTo(g.dc_bce, 5);
  });
  it('regions from dataset labels and the label-map conversion', () => {
    const setup = labelSetup({ background: 0, whole: [1, 2], core: 2, ignore: 3 });
    expect(setup).toEqual({ regions: [[1, 2], [2]], ignoreLabel: 3, numOutputs: 2, allLabels: [0, 1, 2] });
    const conv = labelsToRegions(new Float32Array(g.target_ignore), setup.regions!, 3);
    expect(Array.from(conv)).toEqual(g.region_target);
    expect(labelSetup({ background: 0, a: 1, b: 2 })).toEqual({ regions: null, ignoreLabel: null, numOutputs: 3, allLabels: [0, 1, 2] });
  });
});

describe('deep supervision', () => {
  it('weights halve per level, lowest is 0, normalised', () => {
    const w4 = deepSupervisionWeights(3);
    expect(w4[0]).toBeCloseTo(2 / 3, 10);
    expect(w4[1]).toBeCloseTo(1 / 3, 10);
    expect(w4[2]).toBe(0);
    const w6 = deepSupervisionWeights(5);
    [0.5333, 0.2667, 0.1333, 0.0667, 0].forEach((v, i) => expect(w6[i]).toBeCloseTo(v, 4));
  });
  it('scales from cumulative strides drop the bottleneck; round half to even', () => {
    expect(deepSupervisionScales([[1, 1, 1], [1, 2, 2], [2, 2, 2], [2, 2, 2]])).toEqual([[1, 1, 1], [1, 0.5, 0.5], [0.5, 0.25, 0.25]]);
    expect([0.5, 1.5, 2.5, 3.5, -0.5, 2.4].map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, 2]);
  });
  it('nearest-exact downsampling equals torch interpolate', () => {
    const out = downsampleNearestExact({ data: new Float32Array(g.ds_src), shape: [1, 7, 9, 5, 1] }, g.ds_new_shape);
    expect(out.shape).toEqual([1, ...g.ds_new_shape, 1]);
    expect(Array.from(out.data)).toEqual(g.ds_dst);
    const full = { data: new Float32Array(g.ds_src), shape: [1, 7, 9, 5, 1] };
    const pyr = targetPyramid(full, [[1, 1, 1], [0.5, 0.5, 0.5]]);
    expect(pyr[0]).toBe(full);
    expect(Array.from(pyr[1].data)).toEqual(g.ds_dst);
  });
  it('weighted sum skips zero-weight outputs', () => {
    let calls = 0;
    const loss = (o: tf.Tensor) => { calls++; return tf.sum(o) as tf.Scalar; };
    const total = deepSupervisionLoss([tf.ones([2]), tf.ones([3]), tf.ones([4])], [tf.ones([1]), tf.ones([1]), tf.ones([1])], [0.5, 0.5, 0], loss);
    expect(value(total)).toBeCloseTo(2.5, 6);
    expect(calls).toBe(2);
  });
});

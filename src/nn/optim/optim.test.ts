import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '../ops/gradients.js';
import '../ops/index.js';
import { GradScaler, NesterovSgd, clipGradNorm, clipGradNormOnDevice, polyLr } from './index.js';

const g = JSON.parse(readFileSync(new URL('../../../test/train/fixtures/sgd-golden.json', import.meta.url), 'utf8'));

describe('SGD + clipping (torch golden)', () => {
  it('three steps of Nesterov SGD with weight decay and clip_grad_norm_ 12 match torch', () => {
    const p = tf.variable(tf.tensor1d(g.p0));
    const q = tf.variable(tf.tensor2d(g.q0, [2, 2]));
    const opt = new NesterovSgd([p, q], { momentum: 0.99, weightDecay: 3e-5, nesterov: true });
    const coef = tf.tensor1d([1, 2, 3, 4]);
    for (const s of g.steps) {
      const { grads } = tf.variableGrads(() => tf.add(tf.sum(tf.mul(tf.square(p), coef)), tf.sum(tf.pow(q, 3))) as tf.Scalar, [p, q]);
      const clipped = clipGradNorm([grads[p.name], grads[q.name]], 12);
      expect(clipped.norm).toBeCloseTo(s.norm, 1);
      opt.step(clipped.grads, s.lr);
      Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(s.p[i], 5));
      Array.from(q.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(s.q[i], 4));
    }
  });

  it('state round-trips: a restored optimizer continues identically', () => {
    const mk = () => tf.variable(tf.tensor1d([1, 2, 3]));
    const a = mk();
    const b = mk();
    const oa = new NesterovSgd([a], { momentum: 0.9, weightDecay: 0, nesterov: true });
    const ob = new NesterovSgd([b], { momentum: 0.9, weightDecay: 0, nesterov: true });
    oa.step([tf.tensor1d([1, 1, 1])], 0.1);
    ob.step([tf.tensor1d([1, 1, 1])], 0.1);
    const restored = new NesterovSgd([b], { momentum: 0.9, weightDecay: 0, nesterov: true });
    restored.load(ob.state());
    oa.step([tf.tensor1d([0.5, 0, -1])], 0.1);
    restored.step([tf.tensor1d([0.5, 0, -1])], 0.1);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
  });

  it('a parameter without a gradient is left untouched (torch skips grad None, weight decay included)', () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const q = tf.variable(tf.tensor1d([3]));
    const opt = new NesterovSgd([p, q], { momentum: 0.99, weightDecay: 0.1, nesterov: true });
    const r = clipGradNorm([tf.tensor1d([30, 40]), null], 12);
    expect(r.norm).toBeCloseTo(50, 4);
    opt.step(r.grads, 0.1);
    expect(Array.from(q.dataSync())).toEqual([3]);
    expect(opt.state().buffers[1]).toEqual(new Float32Array([0]));
  });

  it('no clipping below the limit; poly lr as nnU-Net', () => {
    const grads = [tf.tensor1d([3, 4])];
    const r = clipGradNorm(grads, 12);
    expect(r.grads[0]).toBe(grads[0]);
    expect(r.norm).toBeCloseTo(5, 5);
    expect(polyLr(0.01, 0, 1000)).toBe(0.01);
    expect(polyLr(0.01, 999, 1000)).toBeCloseTo(1.995e-5, 8);
  });

  it('clipping on the device (no read-back) scales as the host does, and by 1 below the limit', () => {
    const over = [tf.tensor1d([30, 40]), null, tf.tensor1d([0, 0])];
    const host = clipGradNorm(over, 12).grads;
    const device = clipGradNormOnDevice(over, 12).grads;
    expect(device[1]).toBeNull();
    Array.from(device[0]!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(host[0]!.dataSync()[i], 5));
    expect(Array.from(clipGradNormOnDevice([tf.tensor1d([3, 4])], 12).grads[0]!.dataSync())).toEqual([3, 4]);
    expect(clipGradNormOnDevice([null], 12).grads).toEqual([null]);
  });

  it('unscales before clipping (GradScaler.unscale_ then clip_grad_norm_), on the host and on the device', () => {
    // scaled by 1024: the unscaled norm is 5 (no clip) or 50 (clip to 12)
    for (const [g, want] of [[[3, 4], [3, 4]], [[30, 40], [7.2, 9.6]]] as const) {
      const scaled = tf.tensor1d(g.map((v) => v * 1024));
      const host = clipGradNorm([scaled], 12, 1 / 1024);
      expect(host.norm).toBeCloseTo(Math.hypot(...g), 4);
      Array.from(host.grads[0]!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
      const device = clipGradNormOnDevice([scaled], 12, 1 / 1024);
      Array.from(device.grads[0]!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
      expect(device.finite!.dataSync()[0]).toBe(1);
    }
    const overflowed = clipGradNormOnDevice([tf.tensor1d([1, 2]), tf.tensor1d([Infinity, 0])], 12, 1 / 1024);
    expect(overflowed.finite!.dataSync()[0]).toBe(0);
    expect(clipGradNormOnDevice([tf.tensor1d([NaN])], 12, 1).finite!.dataSync()[0]).toBe(0);
    expect(Number.isFinite(clipGradNorm([tf.tensor1d([Infinity])], 12).norm)).toBe(false);
  });

  it('a step whose applyIf is false changes neither parameters nor momentum (webgpu: src/nn/webgpu/sgd.test.ts)', () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const opt = new NesterovSgd([p], { momentum: 0.9, weightDecay: 0.1, nesterov: true });
    opt.step([tf.tensor1d([1, 1])], 0.1, tf.scalar(true, 'bool'));
    const after = Array.from(p.dataSync());
    expect(after).not.toEqual([1, 2]);
    const momentum = opt.state().buffers[0].slice();
    opt.step([tf.tensor1d([NaN, Infinity])], 0.1, tf.scalar(false, 'bool'));
    expect(Array.from(p.dataSync())).toEqual(after);
    expect(opt.state().buffers[0]).toEqual(momentum);
  });
});

describe('GradScaler (torch.amp defaults, as nnU-Net)', () => {
  it('halves the scale after an overflow, doubles it after 2000 finite steps in a row, and counts skips', () => {
    const s = new GradScaler();
    expect(s.scale).toBe(65536);
    s.update(false);
    s.update(false);
    expect(s.scale).toBe(16384);
    expect(s.takeSkipped()).toBe(2);
    expect(s.takeSkipped()).toBe(0);
    for (let i = 0; i < 1999; i++) s.update(true);
    expect(s.scale).toBe(16384);
    s.update(false);
    for (let i = 0; i < 1999; i++) s.update(true);
    expect(s.scale).toBe(8192);
    s.update(true);
    expect(s.scale).toBe(16384);
    expect(s.state()).toEqual({ scale: 16384, growthTracker: 0 });
  });

  it('restores a checkpoint state and names the checkpoint when it is broken', () => {
    const s = new GradScaler();
    s.load({ scale: 1024, growthTracker: 1999 }, 'ck/manifest.json');
    s.update(true);
    expect(s.state()).toEqual({ scale: 2048, growthTracker: 0 });
    for (const bad of [{ scale: -1, growthTracker: 0 }, { scale: 1, growthTracker: 2000 }, { scale: Infinity, growthTracker: 0 }, null]) {
      expect(() => s.load(bad as never, 'ck/manifest.json')).toThrow(/ck\/manifest\.json: gradScaler must be/);
    }
  });
});

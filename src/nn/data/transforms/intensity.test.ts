import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { blurAxis, blurKernelSize, gaussianKernel } from './blur.js';
import { contrastChannel, gammaChannel, gaussianNoise, multiplyChannel, sampleBgContrast, stats } from './intensity.js';
import { flipAxis } from './mirror.js';
import { simulateLowResolution } from './resize.js';

const rng = createRng(42);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal() * 3 + 1);

describe('intensity transforms', () => {
  it('gamma (plain and inverted) keeps the mean and the unbiased std', () => {
    for (const invert of [false, true]) {
      const img = random(2 * 500);
      const before = stats(img, 500, 1000);
      const ch0 = img.slice(0, 500);
      const ch1 = img.slice(500);
      gammaChannel(img, 1, 2, 1.4, invert);
      const after = stats(img, 500, 1000);
      expect(after.mean).toBeCloseTo(before.mean, 4);
      expect(after.std).toBeCloseTo(before.std, 4);
      expect(img.slice(0, 500)).toEqual(ch0);
      expect(Math.max(...img.slice(500).map((v, i) => Math.abs(v - ch1[i])))).toBeGreaterThan(0.1);
    }
  });

  it('gamma 1 is the identity', () => {
    const img = random(300);
    const copy = img.slice();
    gammaChannel(img, 0, 1, 1, false);
    img.forEach((v, i) => expect(v).toBeCloseTo(copy[i], 4));
  });

  it('contrast keeps the original range and scales the spread about the mean', () => {
    const img = random(1000);
    const before = stats(img, 0, 1000);
    contrastChannel(img, 0, 1, 1.25);
    const after = stats(img, 0, 1000);
    expect(after.min).toBeGreaterThanOrEqual(before.min);
    expect(after.max).toBeLessThanOrEqual(before.max);
    expect(after.max === before.max || after.min === before.min).toBe(true); // clipping happened at an end
    const low = random(1000);
    const s0 = stats(low, 0, 1000);
    contrastChannel(low, 0, 1, 0.8);
    expect(stats(low, 0, 1000).std).toBeCloseTo(s0.std * 0.8, 4);
  });

  it('brightness multiplies one channel only', () => {
    const img = Float32Array.from([1, 2, 3, 4]);
    multiplyChannel(img, 1, 2, 0.5);
    expect(Array.from(img)).toEqual([1, 2, 1.5, 2]);
  });

  it('BGContrast factors fall in [lo, 1) half of the time and [1, hi) otherwise', () => {
    const r = createRng(1);
    const f = Array.from({ length: 4000 }, () => sampleBgContrast(0.75, 1.25, r));
    expect(f.every((v) => v >= 0.75 && v < 1.25)).toBe(true);
    expect(f.filter((v) => v < 1).length / 4000).toBeCloseTo(0.5, 1);
  });

  it('noise adds the same N(0, sigma^2) field to every channel', () => {
    const img = new Float32Array(2 * 20000);
    gaussianNoise(img, 2, 0.1, createRng(3));
    expect(img.subarray(0, 20000)).toEqual(img.subarray(20000));
    const s = stats(img, 0, 20000);
    expect(s.mean).toBeCloseTo(0, 2);
    expect(s.std).toBeCloseTo(0.1, 2);
  });
});

describe('blur', () => {
  it('kernel sizes are the nearest odd integer to 6 sigma + 0.5', () => {
    expect([0.5, 0.6, 0.75, 0.9, 1.0].map((s) => blurKernelSize(s))).toEqual([3, 5, 5, 5, 7]);
    const k = gaussianKernel(0.7);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('keeps a constant image constant', () => {
    const img = new Float32Array(5 * 6 * 4).fill(3);
    for (let d = 0; d < 3; d++) blurAxis(img, 0, [5, 6, 4], d, gaussianKernel(1), new Float64Array(32));
    img.forEach((v) => expect(v).toBeCloseTo(3, 5));
  });
});

describe('low-resolution simulation', () => {
  it('zoom 1 is the identity', () => {
    const img = random(4 * 5 * 6);
    const copy = img.slice();
    simulateLowResolution(img, [4, 5, 6], [4, 5, 6], new Float32Array(120), new Float32Array(120));
    expect(img).toEqual(copy);
  });

  it('keeps a constant image constant at any zoom', () => {
    const img = new Float32Array(7 * 9).fill(2);
    simulateLowResolution(img, [7, 9], [4, 5], new Float32Array(63), new Float32Array(63));
    img.forEach((v) => expect(v).toBeCloseTo(2, 6));
  });
});

describe('mirroring', () => {
  it('flipping an axis twice is the identity, once reverses that axis', () => {
    const img = random(2 * 3 * 4 * 5);
    const copy = img.slice();
    for (let axis = 0; axis < 3; axis++) {
      flipAxis(img, 2, [3, 4, 5], axis);
      expect(img).not.toEqual(copy);
      flipAxis(img, 2, [3, 4, 5], axis);
      expect(img).toEqual(copy);
    }
    const seg = Int16Array.from([0, 1, 2, 3, 4, 5]);
    flipAxis(seg, 1, [2, 3], 1);
    expect(Array.from(seg)).toEqual([2, 1, 0, 5, 4, 3]);
  });
});

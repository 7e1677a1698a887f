import { describe, expect, it } from 'vitest';
import { AugmentScratch, augmentSample, maskOutside, removeLabel, spatialStep } from './augment.js';
import { configureAugmentation } from './configure.js';
import { createRng, type Rng } from './rng.js';
import { SpatialScratch } from './transforms/spatial.js';

/** Every probability check passes and every range yields its lower end: rotation -180 deg, scale 0.7. */
const alwaysLow: Rng = { random: () => 0, uniform: (lo) => lo, int: (lo) => lo, normal: () => 0 };

function slicesVolume(shape: number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  const perSlice = n / shape[0];
  const img = Float32Array.from({ length: n }, (_, i) => 1 + Math.floor(i / perSlice));
  const seg = Int16Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : 0));
  return { img, seg, n };
}

describe('spatialStep', () => {
  it('dummy-2D rotates each axis-0 slice in plane without mixing slices', () => {
    const config = configureAugmentation([4, 16, 14]);
    expect(config.dummy2d).toBe(true);
    const shape = config.initialPatchSize;
    const { img, seg } = slicesVolume(shape);
    const per = 16 * 14;
    const out = new Float32Array(4 * per);
    spatialStep({ img, seg, channels: 1, segChannels: 1, shape }, config, alwaysLow, out, new Int16Array(4 * per), new SpatialScratch());
    for (let x = 0; x < 4; x++) {
      const slice = out.subarray(x * per, (x + 1) * per);
      expect(Math.max(...slice)).toBeCloseTo(x + 1, 5);
      expect(Math.min(...slice)).toBeGreaterThanOrEqual(0);
    }
  });

  it('a full 3D rotation mixes axis-0 slices', () => {
    const config = configureAugmentation([8, 8, 8]);
    const shape = config.initialPatchSize;
    const { img, seg } = slicesVolume(shape);
    const out = new Float32Array(512);
    spatialStep({ img, seg, channels: 1, segChannels: 1, shape }, config, alwaysLow, out, new Int16Array(512), new SpatialScratch());
    const firstSlice = out.subarray(0, 64);
    expect(Math.max(...firstSlice) - Math.min(...firstSlice.filter((v) => v > 0))).toBeGreaterThan(1);
  });
});

describe('augmentSample', () => {
  it('always returns finite images and seg labels without -1 (many random draws, 2D and 3D)', () => {
    for (const patch of [[6, 8, 6], [10, 8], [3, 12, 12]]) {
      const config = configureAugmentation(patch);
      const shape = config.initialPatchSize;
      const n = shape.reduce((a, b) => a * b, 1);
      const m = patch.reduce((a, b) => a * b, 1);
      const rng = createRng(13);
      const scratch = new AugmentScratch();
      const outImg = new Float32Array(2 * m);
      const outSeg = new Int16Array(m);
      const labels = new Set<number>();
      for (let k = 0; k < 60; k++) {
        const img = Float32Array.from({ length: 2 * n }, () => rng.normal());
        const seg = Int16Array.from({ length: n }, (_, i) => (i < n / 4 ? -1 : i % 3));
        augmentSample({ img, seg, channels: 2, segChannels: 1, shape }, config, rng, outImg, outSeg, scratch);
        expect(outImg.every(Number.isFinite)).toBe(true);
        outSeg.forEach((v) => labels.add(v));
      }
      expect([...labels].sort()).toEqual([0, 1, 2]);
    }
  });
});

describe('mask and label removal', () => {
  it('zeroes masked channels outside the nonzero mask, then maps -1 to 0', () => {
    const img = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const seg = Int16Array.from([-1, 0, 1]);
    maskOutside(img, seg, 2, [false, true]);
    expect(Array.from(img)).toEqual([1, 2, 3, 0, 5, 6]);
    removeLabel(seg, -1, 0);
    expect(Array.from(seg)).toEqual([0, 0, 1]);
  });
});

// Compares the kernels with torch computing batchgeneratorsv2's steps (test/data/fixtures/make_golden.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blurAxis, gaussianKernel } from './blur.js';
import { contrastChannel, gammaChannel } from './intensity.js';
import { simulateLowResolution } from './resize.js';
import { affineMatrix, SpatialScratch, spatialTransform } from './spatial.js';
import { roundHalfEven } from '../../../imaging/np.js';

interface Golden {
  spatial: { shape: number[]; patch: number[]; angles: number[]; scale: number; img: number[]; seg: number[]; outImg: number[]; outSeg: number[] }[];
  blur: { shape: number[]; sigma: number; axis: number; x: number[]; y: number[] }[];
  lowres: { shape: number[]; zoom: number; x: number[]; y: number[] }[];
  intensity: { gamma: number; invert: boolean; factor: number; x: number[]; gammaY: number[]; contrastY: number[] }[];
}
const golden = JSON.parse(readFileSync(new URL('../../../../test/data/fixtures/augment-golden.json', import.meta.url), 'utf8')) as Golden;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('spatial transform matches torch grid_sample as batchgeneratorsv2 uses it', () => {
  it.each(golden.spatial.map((g, i) => [i, g] as const))('case %i', (_i, g) => {
    const n = g.patch.reduce((a, b) => a * b, 1);
    const outImg = new Float32Array(2 * n);
    const outSeg = new Int16Array(n);
    spatialTransform(
      { img: Float32Array.from(g.img), channels: 2, seg: Int16Array.from(g.seg), segChannels: 1, shape: g.shape },
      g.patch,
      affineMatrix(g.angles, g.scale),
      outImg,
      outSeg,
      new SpatialScratch(),
    );
    expect(maxAbsDiff(outImg, g.outImg)).toBeLessThan(2e-5);
    const mismatched = Array.from(outSeg).filter((v, i) => v !== g.outSeg[i]).length;
    expect(mismatched).toBe(0);
  });
});

describe('Gaussian blur matches blur_dimension (reflect padding, truncate 6)', () => {
  it.each(golden.blur.map((g, i) => [i, g] as const))('case %i', (_i, g) => {
    const x = Float32Array.from(g.x);
    blurAxis(x, 0, g.shape, g.axis, gaussianKernel(g.sigma), new Float64Array(64));
    expect(maxAbsDiff(x, g.y)).toBeLessThan(1e-5);
  });
});

describe('low-resolution simulation matches torch interpolate (nearest-exact down, linear up)', () => {
  it.each(golden.lowres.map((g, i) => [i, g] as const))('case %i', (_i, g) => {
    const x = Float32Array.from(g.x);
    const small = g.shape.map((s) => roundHalfEven(s * g.zoom));
    simulateLowResolution(x, g.shape, small, new Float32Array(x.length), new Float32Array(x.length));
    expect(maxAbsDiff(x, g.y)).toBeLessThan(1e-5);
  });
});

describe('gamma and contrast match GammaTransform / ContrastTransform', () => {
  it.each(golden.intensity.map((g, i) => [i, g] as const))('case %i', (_i, g) => {
    const x = Float32Array.from(g.x);
    gammaChannel(x, 0, 1, g.gamma, g.invert);
    expect(maxAbsDiff(x, g.gammaY)).toBeLessThan(2e-5);
    const y = Float32Array.from(g.x);
    contrastChannel(y, 0, 1, g.factor);
    expect(maxAbsDiff(y, g.contrastY)).toBeLessThan(2e-5);
  });
});

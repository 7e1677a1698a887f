import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { affineMatrix, sampleSpatialAffine, SpatialScratch, spatialTransform } from './spatial.js';

function volume(shape: number[], channels: number) {
  const n = shape.reduce((a, b) => a * b, 1);
  const img = Float32Array.from({ length: channels * n }, (_, i) => Math.sin(i * 0.37) * 10 + i * 0.01);
  const seg = Int16Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 2 : i % 3 === 0 ? 1 : i % 11 === 0 ? -1 : 0));
  return { img, seg, n };
}

function run(shape: number[], patch: number[], affine: Float64Array | null, channels = 2) {
  const { img, seg } = volume(shape, channels);
  const m = patch.reduce((a, b) => a * b, 1);
  const outImg = new Float32Array(channels * m);
  const outSeg = new Int16Array(m);
  spatialTransform({ img, seg, channels, segChannels: 1, shape }, patch, affine, outImg, outSeg, new SpatialScratch());
  return { img, seg, outImg, outSeg };
}

describe('spatialTransform', () => {
  it('rotation by 0 with scale 1 is the identity (3D and 2D)', () => {
    for (const [shape, angles] of [[[6, 7, 5], [0, 0, 0]], [[9, 8], [0, 0]]] as const) {
      const r = run([...shape], [...shape], affineMatrix(angles, 1));
      r.outImg.forEach((v, i) => expect(v).toBeCloseTo(r.img[i], 4));
      expect(r.outSeg).toEqual(r.seg);
    }
  });

  it('an identity affine on a larger source equals the integer centre crop when the size ratios agree', () => {
    const viaGrid = run([12, 12, 12], [6, 6, 6], affineMatrix([0, 0, 0], 1));
    const crop = run([12, 12, 12], [6, 6, 6], null);
    viaGrid.outImg.forEach((v, i) => expect(v).toBeCloseTo(crop.outImg[i], 4));
    expect(viaGrid.outSeg).toEqual(crop.outSeg);
  });

  it('rotating a 2D patch by 180 degrees reverses both axes', () => {
    const r = run([8, 6], [8, 6], affineMatrix([Math.PI, 0], 1));
    const reversed = run([8, 6], [8, 6], null);
    const n = 48;
    for (let c = 0; c < 2; c++) for (let i = 0; i < n; i++) expect(r.outImg[c * n + i]).toBeCloseTo(reversed.img[c * n + (n - 1 - i)], 4);
    for (let i = 0; i < n; i++) expect(r.outSeg[i]).toBe(reversed.seg[n - 1 - i]);
  });

  it('zooming out (scale > 1) reads outside the source as zeros and as the lowest label', () => {
    const r = run([6, 6], [6, 6], affineMatrix([0, 0], 3));
    expect(r.outImg[0]).toBe(0);
    expect(r.outSeg[0]).toBe(-1);
  });

  it('fires rotation or scaling for 1 - 0.8^2 = 36% of the samples', () => {
    const rng = createRng(5);
    let fired = 0;
    for (let i = 0; i < 20000; i++) if (sampleSpatialAffine(3, [-0.5, 0.5], rng) !== null) fired++;
    expect(fired / 20000).toBeCloseTo(0.36, 1);
  });
});

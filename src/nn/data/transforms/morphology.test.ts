import { describe, expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { applyBinaryOperator, ball, dilate, disk, erode, type Footprint } from './morphology.js';

const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

/** The definition: correlation with 'same' padding (left = (k-1)>>1), zero outside, > 0. */
function bruteDilate(src: Uint8Array, shape: [number, number, number], fp: Footprint): Uint8Array {
  const [s0, s1, s2] = shape;
  const [k0, k1, k2] = fp.shape;
  const l = fp.shape.map((k) => (k - 1) >> 1);
  const out = new Uint8Array(src.length);
  for (let x = 0; x < s0; x++) for (let y = 0; y < s1; y++) for (let z = 0; z < s2; z++) {
    let hit = 0;
    for (let a = 0; a < k0 && !hit; a++) for (let b = 0; b < k1 && !hit; b++) for (let c = 0; c < k2 && !hit; c++) {
      if (!fp.mask[(a * k1 + b) * k2 + c]) continue;
      const [i, j, k] = [x + a - l[0], y + b - l[1], z + c - l[2]];
      if (i >= 0 && i < s0 && j >= 0 && j < s1 && k >= 0 && k < s2 && src[(i * s1 + j) * s2 + k]) hit = 1;
    }
    out[(x * s1 + y) * s2 + z] = hit;
  }
  return out;
}

describe('footprints (skimage 0.19 ball/disk with a float radius)', () => {
  // shape and voxel count printed by skimage.morphology.ball / disk for these radii
  const golden: Array<[number, number, number, number, number]> = [
    [1.0, 3, 7, 3, 5], [1.5, 4, 8, 4, 4], [2.7, 6, 56, 7, 22], [3.2, 7, 119, 8, 31], [7.99, 16, 1736, 17, 193],
  ];
  it.each(golden)('radius %f', (r, ballSize, ballSum, diskSize, diskSum) => {
    const b = ball(r);
    const d = disk(r);
    expect([b.shape, sum(b.mask)]).toEqual([[ballSize, ballSize, ballSize], ballSum]);
    expect([d.shape, sum(d.mask)]).toEqual([[1, diskSize, diskSize], diskSum]);
  });
});

describe('binary operators', () => {
  const rng = createRng(5);
  const shape: [number, number, number] = [9, 11, 13];
  const random = () => Uint8Array.from({ length: 9 * 11 * 13 }, () => (rng.random() < 0.08 ? 1 : 0));

  it('dilation equals the brute-force correlation, odd and even footprints, 3D and 2D, byte and word rows', () => {
    for (const fp of [ball(1), ball(1.5), ball(2.7), disk(2.7)]) {
      for (const last of [13, 12]) {
        const s: [number, number, number] = fp.shape[0] === 1 ? [1, 11, last] : [9, 11, last];
        const x = random().slice(0, s[0] * s[1] * s[2]);
        expect(dilate(x, s, fp)).toEqual(bruteDilate(x, s, fp));
      }
    }
  });

  it('erosion is the dual of dilation and keeps objects touching the border (zero padding of the complement)', () => {
    const full = new Uint8Array(9 * 11 * 13).fill(1);
    expect(sum(erode(full, shape, ball(2)))).toBe(full.length);
    const src = random();
    const e = erode(src, shape, ball(1));
    expect(e.every((v, i) => v <= src[i])).toBe(true);
  });

  it('opening removes a speck, closing fills a hole, dilation grows a voxel into the footprint', () => {
    const one = new Uint8Array(9 * 11 * 13);
    one[(4 * 11 + 5) * 13 + 6] = 1;
    expect(sum(applyBinaryOperator('opening', one, shape, ball(1)))).toBe(0);
    expect(sum(applyBinaryOperator('dilation', one, shape, ball(1)))).toBe(7);
    const holed = new Uint8Array(9 * 11 * 13).fill(1);
    holed[(4 * 11 + 5) * 13 + 6] = 0;
    expect(sum(applyBinaryOperator('closing', holed, shape, ball(1)))).toBe(holed.length);
  });
});

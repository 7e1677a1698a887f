import { describe, expect, it } from 'vitest';
import type { Shape3 } from '../volume.js';
import { golden, manifest, maxRelError, mismatches } from '../testing/golden.js';
import { computeNewShape, resampleDataOrSegToShape, separateZAxis } from './resample.js';
import { rankLabels, uniqueLabels } from './resize-seg.js';

const cases = Object.keys(manifest).filter((k) => k.startsWith('resample_'));

describe('computeNewShape (round half even of old/new * shape)', () => {
  for (const row of manifest.compute_new_shape as Array<Record<string, number[]>>) {
    it(`${row.shape} ${row.spacing} -> ${row.new_spacing}`, () => {
      expect(computeNewShape(row.shape, row.spacing, row.new_spacing)).toEqual(row.new_shape);
    });
  }
});

describe('separate-z rule', () => {
  it('picks the single coarse axis of the current, else the target spacing; none when the max is shared', () => {
    expect(separateZAxis([3.5, 1, 1], [1, 1, 1])).toBe(0);
    expect(separateZAxis([1, 1, 1], [1, 4, 1])).toBe(1);
    expect(separateZAxis([1, 1, 1], [1.2, 1, 1])).toBeNull();
    expect(separateZAxis([0.24, 1.25, 1.25], [0.24, 1.25, 1.25], true)).toBeNull();
    expect(separateZAxis([5, 1, 1], [1, 1, 1], false)).toBeNull();
  });
  for (const c of cases) it(`${c}: axis ${manifest[c].axis}`, () => expect(separateZAxis(manifest[c].spacing, manifest[c].new_spacing, c.includes('forced') ? true : null)).toBe(manifest[c].axis));
});

describe('resampleDataOrSegToShape matches nnU-Net (scipy/skimage golden)', () => {
  for (const c of cases) {
    const m = manifest[c];
    const forced = c.includes('forced') ? true : null;
    const orderZ = c.includes('forced') ? 1 : 0;
    const data = golden(c, 'data');
    const seg = golden(c, 'seg');
    const shape = m.shape as Shape3;
    const newShape = m.new_shape as Shape3;
    it(`${c}: data order 3 within 1e-4 relative`, () => {
      const out = resampleDataOrSegToShape(data.data, data.shape[0], shape, newShape, m.spacing, m.new_spacing, false, 3, orderZ, forced);
      expect(out).toBeInstanceOf(Float32Array);
      expect(maxRelError(out, golden(c, 'data_o3').data)).toBeLessThan(1e-4);
    });
    if (!forced) {
      it(`${c}: data order 1 (logits) within 1e-5 relative`, () => {
        const out = resampleDataOrSegToShape(data.data, data.shape[0], shape, newShape, m.spacing, m.new_spacing, false, 1, 0);
        expect(maxRelError(out, golden(c, 'data_o1').data)).toBeLessThan(1e-5);
      });
      it(`${c}: seg order 0 (nearest) identical`, () => {
        const out = resampleDataOrSegToShape(seg.data, 1, shape, newShape, m.spacing, m.new_spacing, true, 0, 0);
        expect(mismatches(out, golden(c, 'seg_o0').data)).toBe(0);
      });
    }
    it(`${c}: seg one-hot order 1 identical`, () => {
      const out = resampleDataOrSegToShape(seg.data, 1, shape, newShape, m.spacing, m.new_spacing, true, 1, orderZ, forced);
      expect(out).toBeInstanceOf(Int16Array);
      expect(mismatches(out, golden(c, 'seg_o1').data)).toBe(0);
    });
  }

  it('returns the input itself when the shape does not change', () => {
    const d = new Float32Array(8).fill(1);
    expect(resampleDataOrSegToShape(d, 1, [2, 2, 2], [2, 2, 2], [1, 1, 1], [1, 1, 1], false, 3)).toBe(d);
  });
  it('rejects unsupported orders and mismatched lengths', () => {
    expect(() => resampleDataOrSegToShape(new Float32Array(8), 1, [2, 2, 2], [3, 3, 3], [1, 1, 1], [1, 1, 1], true, 3)).toThrow(expect.objectContaining({ code: 'IMAGE_BAD_ARGUMENT' }));
    expect(() => resampleDataOrSegToShape(new Float32Array(7), 1, [2, 2, 2], [3, 3, 3], [1, 1, 1], [1, 1, 1], false, 3)).toThrow(expect.objectContaining({ code: 'IMAGE_BAD_ARGUMENT' }));
  });
});

describe('uniqueLabels / rankLabels', () => {
  it('table path for small integer spans, Set path otherwise, same answers', () => {
    expect(uniqueLabels(Int16Array.from([3, -1, 0, 3, 2]))).toEqual([-1, 0, 2, 3]);
    expect(Array.from(rankLabels(Int16Array.from([3, -1, 0, 3, 2])).rank)).toEqual([3, 0, 1, 3, 2]);
    expect(uniqueLabels([70000, 0, 70000, 5])).toEqual([0, 5, 70000]);
    expect(Array.from(rankLabels([0.5, 2, 0.5]).rank)).toEqual([0, 1, 0]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Shape3 } from './volume.js';
import { golden, manifest } from './testing/golden.js';
import { keepLargestComponentOfLabels, labelComponents, removeAllButLargestComponent } from './components.js';

describe('connected components (scipy/skimage golden, full connectivity)', () => {
  const shape = manifest.components.shape as Shape3;
  const mask = golden('components', 'mask').data;
  it('same labels, numbered in raster order, and count', () => {
    const { labels, count } = labelComponents(mask, shape);
    expect(count).toBe(manifest.components.count);
    expect(Array.from(labels)).toEqual(Array.from(golden('components', 'labels').data));
  });
  it('keeps the largest component', () => {
    expect(Array.from(removeAllButLargestComponent(mask, shape))).toEqual(Array.from(golden('components', 'largest').data));
  });
});

describe('removeAllButLargestComponent', () => {
  it('keeps every component of the maximal size (ties)', () => {
    // (1, 3, 5): two 2-voxel components and one single voxel
    const mask = Uint8Array.from([1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(Array.from(removeAllButLargestComponent(mask, [1, 3, 5]))).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('diagonal neighbours join under full but not face connectivity; empty stays empty', () => {
    const mask = Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]); // (1, 3, 3) diagonal line
    expect(labelComponents(mask, [1, 3, 3]).count).toBe(1);
    expect(labelComponents(mask, [1, 3, 3], 'face').count).toBe(3);
    expect(Array.from(removeAllButLargestComponent(new Uint8Array(9), [1, 3, 3]))).toEqual(new Array(9).fill(0));
  });
  it('on a label map: reduces the union of the labels, removed voxels become background', () => {
    const seg = Int16Array.from([1, 2, 0, 0, 0, 3, 1, 1, 0, 2]); // (1, 1, 10)
    expect(Array.from(keepLargestComponentOfLabels(seg, [1, 1, 10], [[1, 2]]))).toEqual([1, 2, 0, 0, 0, 3, 1, 1, 0, 0]); // two tied components of 2
    expect(Array.from(keepLargestComponentOfLabels(seg, [1, 1, 10], [1]))).toEqual([0, 2, 0, 0, 0, 3, 1, 1, 0, 2]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { locationKey, sampleClassLocations } from './class-locations.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/preprocess/fixtures/${name}`, import.meta.url), 'utf8'));

describe('sampleClassLocations', () => {
  it('takes every voxel of a small class, in RandomState(1234) permutation order', () => {
    // 2x2x2, label 1 at flat 1, 6; label 2 at flat 3
    const seg = Int16Array.from([0, 1, 0, 2, 0, 0, 1, 0]);
    const locs = sampleClassLocations(seg, [2, 2, 2], [1, 2, 3]);
    expect(Object.keys(locs)).toEqual(['1', '2', '3']);
    expect(locs['1']).toHaveLength(2);
    expect(new Set(locs['1'].map((c) => c.join()))).toEqual(new Set(['0,0,0,1', '0,1,1,0']));
    expect(locs['2']).toEqual([[0, 0, 1, 1]]);
    expect(locs['3']).toEqual([]);
  });

  it('matches numpy for > 10000 voxels (k = 10000 without replacement) and a second class from the same stream', () => {
    const shape: [number, number, number] = [30, 25, 20];
    const seg = new Int16Array(30 * 25 * 20).fill(1);
    seg.fill(2, 0, 2 * 25 * 20);
    const locs = sampleClassLocations(seg, shape, [1, 2]);
    const expected = fixture('many_voxels.class_locations.json') as Record<string, { count: number; head: number[][]; column_sums: number[] }>;
    for (const [key, want] of Object.entries(expected)) {
      const got = locs[key];
      expect(got).toHaveLength(want.count);
      expect(got.slice(0, 20)).toEqual(want.head);
      expect([0, 1, 2, 3].map((a) => got.reduce((s, c) => s + c[a], 0))).toEqual(want.column_sums);
    }
  });

  it('names keys as Python prints ints and tuples', () => {
    expect([3, [1, 2, 3], [2], [-1, 0, 1]].map(locationKey)).toEqual(['3', '(1, 2, 3)', '(2,)', '(-1, 0, 1)']);
  });
});

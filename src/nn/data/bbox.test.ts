import { describe, expect, it } from 'vitest';
import { isForcedForeground, sampleBboxStart } from './bbox.js';
import { eligibleForForeground, parseClassLocations } from './class-locations.js';
import { createRng } from './rng.js';

describe('foreground oversampling (spec §5.5)', () => {
  it('forces the last round_half_even(bs * 0.67)..bs samples', () => {
    const forced = (bs: number) => Array.from({ length: bs }, (_, j) => j).filter((j) => isForcedForeground(j, bs, 0.33));
    expect(forced(2)).toEqual([1]);
    expect(forced(9)).toEqual([6, 7, 8]);
    expect(forced(3)).toEqual([2]);
    expect(forced(366).length / 366).toBeCloseTo(0.33, 2);
  });
});

describe('sampleBboxStart', () => {
  const locations = parseClassLocations({ '1': [[0, 30, 2, 40]], '2': [[0, 1, 47, 3]] }, 'test');

  it('always contains the chosen foreground voxel in the sampling patch', () => {
    const rng = createRng(9);
    const shape = [36, 50, 45];
    const patch = [73, 80, 64];
    const need = [33, 24, 24];
    for (let i = 0; i < 500; i++) {
      const start = sampleBboxStart(shape, patch, need, true, locations, rng);
      const hit = [[30, 2, 40], [1, 47, 3]].some((v) => v.every((c, d) => c >= start[d] && c < start[d] + patch[d]));
      expect(hit).toBe(true);
    }
  });

  it('draws random starts between floor(-need/2) and shape + ceil(need/2) - patch', () => {
    const rng = createRng(2);
    const seen = [new Set<number>(), new Set<number>()];
    for (let i = 0; i < 3000; i++) {
      const s = sampleBboxStart([10, 20], [8, 8], [3, 0], false, locations, rng);
      s.forEach((v, d) => seen[d].add(v));
    }
    expect([Math.min(...seen[0]), Math.max(...seen[0])]).toEqual([-2, 4]);
    expect([Math.min(...seen[1]), Math.max(...seen[1])]).toEqual([0, 12]);
  });

  it('pads volumes smaller than the patch on both sides', () => {
    const rng = createRng(4);
    const starts = new Set<number>();
    for (let i = 0; i < 300; i++) starts.add(sampleBboxStart([5], [9], [0], false, [], rng)[0]);
    expect([...starts].sort((a, b) => a - b)).toEqual([-2]);
  });

  it('falls back to a random patch when the case has no foreground', () => {
    const empty = parseClassLocations({ '1': [], '2': [] }, 'test');
    const s = sampleBboxStart([10, 10, 10], [4, 4, 4], [0, 0, 0], true, empty, createRng(1));
    s.forEach((v) => expect(v >= 0 && v <= 6).toBe(true));
  });

  it('centres non-forced samples on annotated voxels when there is an ignore label', () => {
    const withIgnore = parseClassLocations({ '1': [[0, 9, 9, 9]], '(-1, 0, 1, 2)': [[0, 2, 3, 4]] }, 'test');
    const s = sampleBboxStart([20, 20, 20], [4, 4, 4], [0, 0, 0], false, withIgnore, createRng(1), { hasIgnore: true });
    expect(s).toEqual([0, 1, 2]);
  });
});

describe('class_locations', () => {
  it('parses label, region and annotated-region keys', () => {
    const e = parseClassLocations({ '1': [[0, 1, 2, 3]], '(1, 2)': [], '(-1, 0, 1)': [[0, 0, 0, 0]] }, 'x.json');
    expect(e.map((x) => [x.labels, x.annotated])).toEqual([[[1], false], [[1, 2], false], [[-1, 0, 1], true]]);
    expect(Array.from(e[0].coords)).toEqual([0, 1, 2, 3]);
  });

  it('drops the annotated key from forced-foreground choices unless it is the only one', () => {
    const e = parseClassLocations({ '1': [[0, 1, 2, 3]], '2': [], '(-1, 0, 1, 2)': [[0, 0, 0, 0]] }, 'x.json');
    expect(eligibleForForeground(e).map((x) => x.key)).toEqual(['1']);
    expect(eligibleForForeground(e.slice(1)).map((x) => x.key)).toEqual(['(-1, 0, 1, 2)']);
    expect(eligibleForForeground(e, [2]).map((x) => x.key)).toEqual(['(-1, 0, 1, 2)']);
  });

  it('rejects malformed entries with the file name', () => {
    expect(() => parseClassLocations({ '1': [[0, 1]], '2': [[0, 1, 2]] }, 'case.json')).toThrow(/case.json/);
    expect(() => parseClassLocations({ abc: [] }, 'case.json')).toThrow(/names no label/);
  });
});

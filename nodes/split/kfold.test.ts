import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fallbackSplit, kfoldSplits, sortIds } from './kfold.js';

// test/planning/fixtures/splits-golden.py: the same rule in numpy (sklearn KFold reimplemented)
const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../test/planning/fixtures/splits-golden.json', import.meta.url)), 'utf8'));

describe('kfoldSplits (spec §5.1)', () => {
  it('matches the spec test vector n=10', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
    expect(kfoldSplits(ids).map((f) => f.val.map((v) => Number(v.slice(1))))).toEqual([[0, 7], [3, 9], [4, 6], [1, 8], [2, 5]]);
  });
  it('matches numpy for unsorted ids, other fold counts and seeds', () => {
    expect(kfoldSplits(golden.ids)).toEqual(golden.kfold);
    expect(kfoldSplits(golden.ids, 3, 7)).toEqual(golden.kfold3_seed7);
  });
  it('fallback 80:20 split for folds beyond the file', () => {
    expect(fallbackSplit(golden.ids, 5)).toEqual(golden.fallback5);
  });
  it('sorts like Python (code points: upper case first)', () => {
    expect(sortIds(['b', 'a', 'B', '_'])).toEqual(['B', '_', 'a', 'b']);
  });
  it('refuses impossible fold counts', () => {
    expect(() => kfoldSplits(['a', 'b'], 5)).toThrow(RangeError);
  });
});

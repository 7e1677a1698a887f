import { describe, expect, it } from 'vitest';
import { locationTargets } from './label-targets.js';

describe('locationTargets (nnU-Net LabelManager)', () => {
  it('plain labels: the foreground labels in ascending order', () => {
    expect(locationTargets({ background: 0, b: 2, a: 1 })).toEqual([1, 2]);
  });
  it('regions: declaration order, pure background dropped, scalars stay ints', () => {
    expect(locationTargets({ background: 0, whole: [1, 2, 3], core: [2, 3], enh: 3 })).toEqual([[1, 2, 3], [2, 3], 3]);
    expect(locationTargets({ background: [0], whole: [1, 2], one: [2] })).toEqual([[1, 2], [2]]);
  });
  it('ignore label: adds the annotated area (-1, ...all labels) and is never a target itself', () => {
    expect(locationTargets({ background: 0, a: 1, ignore: 2 })).toEqual([1, [-1, 0, 1]]);
  });
});

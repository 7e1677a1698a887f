import { describe, expect, it } from 'vitest';
import { broadcastPlan } from './broadcast-plan.js';

describe('broadcastPlan', () => {
  it('merges everything for equal shapes', () => {
    expect(broadcastPlan([3, 4, 5], [3, 4, 5])).toEqual({ shape: [60], stridesA: [1], stridesB: [1] });
  });
  it('keeps the channel axis apart when one side has a single channel', () => {
    expect(broadcastPlan([3, 40, 56, 40, 3], [3, 40, 56, 40, 1]))
      .toEqual({ shape: [268800, 3], stridesA: [3, 1], stridesB: [1, 0] });
  });
  it('per-channel vector and scalars', () => {
    expect(broadcastPlan([2, 5, 5, 8], [8])).toEqual({ shape: [50, 8], stridesA: [8, 1], stridesB: [0, 1] });
    expect(broadcastPlan([], [2, 3])).toEqual({ shape: [6], stridesA: [0], stridesB: [1] });
    expect(broadcastPlan([], [])).toEqual({ shape: [1], stridesA: [1], stridesB: [1] });
  });
  it('broadcast in the middle', () => {
    expect(broadcastPlan([2, 1, 4], [2, 3, 4])).toEqual({ shape: [2, 3, 4], stridesA: [4, 0, 1], stridesB: [12, 4, 1] });
  });
  it('refuses shapes that do not broadcast', () => {
    expect(broadcastPlan([2, 3], [3, 2])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { needRefs } from './plan.js';

describe('needRefs', () => {
  it('reads a list, a map, and a map entry naming several nodes, with the YAML path of each', () => {
    expect(needRefs(['a', 'b'])).toEqual([{ input: 'a', node: 'a', at: [0] }, { input: 'b', node: 'b', at: [1] }]);
    expect(needRefs({ runs: ['x', 'y'], ds: 'dataset' })).toEqual([
      { input: 'runs', node: 'x', at: ['runs', 0] }, { input: 'runs', node: 'y', at: ['runs', 1] }, { input: 'ds', node: 'dataset', at: ['ds'] },
    ]);
    expect(needRefs(undefined)).toEqual([]);
  });
});

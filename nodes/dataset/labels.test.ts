import { describe, expect, it } from 'vitest';
import { labelIssues } from './labels.js';

const regions = { background: 0, whole: [1, 2], core: 2 };
const codes = (order: unknown) => labelIssues(regions, order, 'dataset.json').map((i) => i.code);

describe('labelIssues', () => {
  it('region-based labels: regions_class_order missing or of the wrong length, reported once', () => {
    expect(codes(undefined)).toEqual(['DATASET_REGIONS_CLASS_ORDER']);
    expect(codes([1])).toEqual(['DATASET_REGIONS_CLASS_ORDER']);
    expect(codes([1, 2])).toEqual([]);
    // not a list: the schema says so; "needs regions_class_order" would be a second, wrong report
    expect(codes('x')).toEqual([]);
  });
});

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
  it('an all-background entry ([0, 0]) is no region, as LabelManager skips it', () => {
    expect(labelIssues({ background: 0, bg2: [0, 0], whole: [1, 2], core: 2 }, [1, 2], 'dataset.json')).toEqual([]);
  });
  it('a region past a gap in the values is named', () => {
    const [issue] = labelIssues({ background: 0, a: 1, whole: [1, 5] }, [1, 2], 'dataset.json').filter((i) => i.code === 'DATASET_LABELS_NOT_CONSECUTIVE');
    expect(issue.message).toBe("label values must be consecutive integers from 0, got [0, 1, 5]: 2 is missing, so 'whole' ([1,5]) does not fit");
  });
});

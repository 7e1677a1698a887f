import { describe, expect, it } from 'vitest';
import { golden, manifest } from './testing/golden.js';
import { computeCaseMetrics, metricsFromCounts, type RegionMetrics } from './metrics.js';

const ref = golden('metrics', 'ref').data;
const pred = golden('metrics', 'pred').data;
const targets = manifest.metrics.targets as Array<number | number[]>;

const asJson = (ms: RegionMetrics[]) => ms.map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number.isNaN(v) ? null : v])));

describe('computeCaseMetrics matches nnU-Net compute_metrics (golden)', () => {
  it('labels and regions, ignore label excluded', () => {
    const got = asJson(computeCaseMetrics(ref, pred, targets, 4));
    got.forEach((m, i) => {
      for (const [k, v] of Object.entries(manifest.metrics.with_ignore[i])) {
        if (v === null) expect(m[k]).toBeNull();
        else expect(m[k]).toBeCloseTo(v as number, 12);
      }
    });
  });
  it('without an ignore label every voxel counts', () => {
    const got = asJson(computeCaseMetrics(ref, pred, targets));
    got.forEach((m, i) => {
      expect(m.TN! + m.TP! + m.FP! + m.FN!).toBe(ref.length);
      expect(m).toEqual(manifest.metrics.without_ignore[i]);
    });
  });
});

describe('metricsFromCounts', () => {
  it('NaN Dice/IoU for empty reference and prediction, 0 when only one is empty', () => {
    expect(metricsFromCounts(0, 0, 0, 10)).toMatchObject({ Dice: Number.NaN, IoU: Number.NaN, n_pred: 0, n_ref: 0 });
    expect(metricsFromCounts(0, 3, 0, 10)).toMatchObject({ Dice: 0, IoU: 0, n_pred: 3 });
    expect(metricsFromCounts(2, 1, 1, 0)).toMatchObject({ Dice: 4 / 6, IoU: 0.5 });
  });
  it('rejects maps of different sizes', () => {
    expect(() => computeCaseMetrics([1, 2], [1], [1])).toThrow(expect.objectContaining({ code: 'IMAGE_BAD_ARGUMENT' }));
  });
});

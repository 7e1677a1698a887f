import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseMetrics, labelKey, parseSummary, summarize, summaryToJson } from './summary.js';

const one = (ref: number[], pred: number[], t: number, ignore: number | null) =>
  caseMetrics(ref, pred, [t], ignore, { prediction_file: 'p', reference_file: 'r' }).metrics[String(t)];

const golden = readFileSync(new URL('../../test/predict/golden/summary.json', import.meta.url), 'utf8');

const cases: Record<string, [number[], number[]]> = {
  a: [[0, 1, 1, 2, 2, 0, 3, 3], [0, 1, 2, 2, 0, 1, 1, 2]],
  b: [[0, 1, 1, 1, 0, 0, 0, 3], [1, 1, 0, 1, 0, 0, 0, 2]],
  c: [[0, 0, 0, 0, 0, 0, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0]],
};
const targets = [1, 2, [1, 2]];

describe('evaluation metrics (spec §10)', () => {
  it('counts by hand, ignore label excluded', () => {
    // case a, label 1: ref 1 at {1,2}, pred 1 at {1,5,6}; voxel 6 is ignore (ref 3) -> TP 1, FN 1, FP 1 (voxel 5)
    expect(one(cases.a[0], cases.a[1], 1, 3)).toEqual(
      { TP: 1, FP: 1, FN: 1, TN: 3, n_pred: 2, n_ref: 2, Dice: 0.5, IoU: 1 / 3 });
  });
  it('empty reference and empty prediction give NaN Dice, skipped by the means', () => {
    const m = one([0, 0, 0], [0, 0, 0], 1, null);
    expect(m.Dice).toBeNaN();
    expect(m.IoU).toBeNaN();
    expect(m.TN).toBe(3);
    // empty reference, non-empty prediction: Dice 0
    expect(one([0, 0], [1, 0], 1, null).Dice).toBe(0);
  });
  it('writes summary.json byte-identical to nnU-Net (sorted keys, indent 4, NaN, float repr)', () => {
    const perCase = Object.entries(cases).map(([n, [r, p]]) =>
      caseMetrics(r, p, targets, 3, { prediction_file: `pred/${n}.nii.gz`, reference_file: `ref/${n}.nii.gz` }));
    const summary = summarize(perCase, targets);
    expect(summaryToJson(summary)).toBe(golden.trimEnd());
    expect(parseSummary(golden).metric_per_case[1].metrics['2'].Dice).toBeNaN();
    expect(parseSummary(golden).foreground_mean.Dice).toBeCloseTo(summary.foreground_mean.Dice, 15);
  });
  it('averages as np.nanmean and np.mean do: pairwise sums, NaN counted as 0 in the sum and not in the count', () => {
    // 2^53 + 1 rounds back to 2^53, so a left-to-right sum loses every 1; numpy's eight accumulators keep them:
    // ((2^53 + 1) + 2) + (2 + 2) = 2^53 + 6, then + 1 + 1 (the values past the last block of eight) = 2^53 + 8
    const big = 2 ** 53;
    const dice = [big, Number.NaN, 1, 1, 1, 1, 1, 1, 1, 1];
    const perCase = dice.map((d, i) => ({ prediction_file: `p${i}`, reference_file: `r${i}`,
      metrics: { 1: { ...one([1], [1], 1, null), Dice: d }, 2: { ...one([1], [1], 1, null), Dice: d } } }));
    const s = summarize(perCase, [1, 2]);
    expect(s.mean['1'].Dice).toBe((big + 8) / 9);
    expect(s.foreground_mean.Dice).toBe((big + 8) / 9);
  });
  it('stringifies region keys as Python tuples', () => {
    expect(labelKey([1, 2])).toBe('(1, 2)');
    expect(labelKey([2])).toBe('(2,)');
    expect(labelKey(3)).toBe('3');
  });
});

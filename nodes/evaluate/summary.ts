// spec §10: per-case metrics per label/region and their aggregation into nnU-Net's summary.json.
import { computeCaseMetrics, type LabelOrRegion, type RegionMetrics } from '../../src/imaging/index.js';
import { sum } from '../../src/imaging/np.js';
import { parsePythonJson, pyJsonStringify } from '../../src/util/py-json.js';

export type { LabelOrRegion };
export type LabelMetrics = RegionMetrics;
export const METRIC_NAMES = ['Dice', 'FN', 'FP', 'IoU', 'TN', 'TP', 'n_pred', 'n_ref'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface CaseMetrics {
  prediction_file: string;
  reference_file: string;
  /** by label key: '1', or '(1, 2)' for a region */
  metrics: Record<string, LabelMetrics>;
}

export interface Summary {
  foreground_mean: Record<MetricName, number>;
  mean: Record<string, Record<MetricName, number>>;
  metric_per_case: CaseMetrics[];
}

/** nnU-Net's label_or_region_to_key: ints as '1', regions as Python's tuple str '(1, 2)'. */
export function labelKey(r: LabelOrRegion): string {
  return typeof r === 'number' ? String(r) : `(${r.join(', ')}${r.length === 1 ? ',' : ''})`;
}

export function caseMetrics(ref: ArrayLike<number>, pred: ArrayLike<number>, targets: readonly LabelOrRegion[],
  ignoreLabel: number | null, files: { prediction_file: string; reference_file: string }): CaseMetrics {
  const values = computeCaseMetrics(ref, pred, targets, ignoreLabel);
  return { ...files, metrics: Object.fromEntries(targets.map((t, i) => [labelKey(t), values[i]])) };
}

/**
 * np.nanmean: NaN counts as 0 in numpy's pairwise sum over every value, divided by the count of the others. A sum
 * from left to right differs in the last digits from eight values on.
 */
const nanmean = (xs: readonly number[]): number => {
  const count = xs.reduce((n, x) => n + (Number.isNaN(x) ? 0 : 1), 0);
  return count === 0 ? NaN : sum(xs.map((x) => (Number.isNaN(x) ? 0 : x))) / count;
};

/** mean = np.nanmean over cases per label; foreground_mean = np.mean of the label means (label 0 skipped). */
export function summarize(cases: CaseMetrics[], targets: readonly LabelOrRegion[]): Summary {
  const mean: Summary['mean'] = {};
  for (const t of targets) {
    const k = labelKey(t);
    mean[k] = Object.fromEntries(METRIC_NAMES.map((m) => [m, nanmean(cases.map((c) => c.metrics[k][m]))])) as Record<MetricName, number>;
  }
  const fgKeys = Object.keys(mean).filter((k) => k !== '0');
  const foreground_mean = Object.fromEntries(METRIC_NAMES.map((m) =>
    [m, sum(fgKeys.map((k) => mean[k][m])) / fgKeys.length])) as Record<MetricName, number>;
  return { foreground_mean, mean, metric_per_case: cases };
}

/** Python floats in summary.json: every mean, and Dice/IoU per case; the per-case counts are ints. */
const isFloat = (path: readonly string[]): boolean =>
  path[0] !== 'metric_per_case' || path[4] === 'Dice' || path[4] === 'IoU';

/** summary.json text exactly as nnU-Net's save_summary_json writes it (sort_keys, indent 4, NaN, float repr). */
export function summaryToJson(s: Summary): string {
  return pyJsonStringify(s, { isFloat, sortKeys: () => true });
}

export function parseSummary(text: string): Summary {
  return parsePythonJson(text) as Summary;
}

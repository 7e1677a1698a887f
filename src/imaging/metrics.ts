// spec §10: nnU-Net's compute_metrics for one case: TP/FP/FN/TN per label or region, Dice and IoU (NaN when
// reference and prediction are both empty), voxels of the ignore label excluded from every count.
import { ImageError } from './errors.js';

export type LabelOrRegion = number | readonly number[];

export interface RegionMetrics {
  Dice: number;
  IoU: number;
  TP: number;
  FP: number;
  FN: number;
  TN: number;
  n_pred: number;
  n_ref: number;
}

/** Dice/IoU from counts, with nnU-Net's empty-vs-empty rule. */
export function metricsFromCounts(TP: number, FP: number, FN: number, TN: number): RegionMetrics {
  const empty = TP + FP + FN === 0;
  return {
    Dice: empty ? Number.NaN : (2 * TP) / (2 * TP + FP + FN),
    IoU: empty ? Number.NaN : TP / (TP + FP + FN),
    TP,
    FP,
    FN,
    TN,
    n_pred: TP + FP,
    n_ref: TP + FN,
  };
}

/** Membership table over the label values present: a label, or any label of a region. */
function memberTable(target: LabelOrRegion, maxAbs: number): Uint8Array {
  const t = new Uint8Array(2 * maxAbs + 1);
  for (const l of typeof target === 'number' ? [target] : target) if (Math.abs(l) <= maxAbs) t[l + maxAbs] = 1;
  return t;
}

/**
 * Metrics of every label/region for one case. `ref` and `pred` are integer label maps of equal length;
 * `ignoreLabel` voxels of the reference count nowhere.
 */
export function computeCaseMetrics(
  ref: ArrayLike<number>,
  pred: ArrayLike<number>,
  labelsOrRegions: readonly LabelOrRegion[],
  ignoreLabel: number | null = null,
): RegionMetrics[] {
  if (ref.length !== pred.length) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `metrics: reference has ${ref.length} voxels, prediction ${pred.length}`);
  }
  let maxAbs = 0;
  for (let i = 0; i < ref.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ref[i]), Math.abs(pred[i]));
  return labelsOrRegions.map((target) => {
    const member = memberTable(target, maxAbs);
    let TP = 0;
    let FP = 0;
    let FN = 0;
    let TN = 0;
    for (let i = 0; i < ref.length; i++) {
      const r = ref[i];
      if (r === ignoreLabel) continue;
      const inRef = member[r + maxAbs] === 1;
      const inPred = member[pred[i] + maxAbs] === 1;
      if (inRef) {
        if (inPred) TP++;
        else FN++;
      } else if (inPred) FP++;
      else TN++;
    }
    return metricsFromCounts(TP, FP, FN, TN);
  });
}

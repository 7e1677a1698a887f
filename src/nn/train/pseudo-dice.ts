/**
 * The validation step's pseudo Dice (nnUNetTrainer.validation_step / on_validation_epoch_end): argmax one-hot
 * (labels) or logit > 0 i.e. sigmoid > 0.5 (regions) on the highest-resolution output, TP/FP/FN per class summed
 * over all validation batches (ignore voxels masked; background dropped for labels), then 2TP/(2TP+FP+FN).
 */
export interface DiceCounts {
  tp: Float64Array;
  fp: Float64Array;
  fn: Float64Array;
}

export interface CountOptions {
  regions: boolean;
  ignoreLabel: number | null;
}

export function emptyCounts(classes: number): DiceCounts {
  return { tp: new Float64Array(classes), fp: new Float64Array(classes), fn: new Float64Array(classes) };
}

/**
 * logits [voxels × C] channels last; target channels last: labels -> one value per voxel, regions -> C region
 * channels (+1 ignore channel). Adds into `acc`, which holds foreground classes only for labels (C − 1).
 */
export function accumulateCounts(logits: Float32Array, c: number, target: Float32Array, o: CountOptions, acc: DiceCounts): void {
  const vox = logits.length / c;
  if (o.regions) {
    const tc = c + (o.ignoreLabel === null ? 0 : 1);
    for (let v = 0; v < vox; v++) {
      if (o.ignoreLabel !== null && target[v * tc + c] !== 0) continue;
      for (let k = 0; k < c; k++) {
        const p = logits[v * c + k] > 0;
        const g = target[v * tc + k] !== 0;
        if (p && g) acc.tp[k]++;
        else if (p) acc.fp[k]++;
        else if (g) acc.fn[k]++;
      }
    }
    return;
  }
  for (let v = 0; v < vox; v++) {
    const label = target[v];
    if (o.ignoreLabel !== null && label === o.ignoreLabel) continue;
    let best = 0;
    let bestVal = logits[v * c];
    for (let k = 1; k < c; k++) {
      if (logits[v * c + k] > bestVal) {
        bestVal = logits[v * c + k];
        best = k;
      }
    }
    if (best === label) {
      if (best > 0) acc.tp[best - 1]++;
    } else {
      if (best > 0) acc.fp[best - 1]++;
      if (label > 0) acc.fn[label - 1]++;
    }
  }
}

/** Per-class 2TP/(2TP+FP+FN); NaN where a class never occurs nor is predicted (numpy 0/0). */
export function pseudoDice(acc: DiceCounts): number[] {
  return Array.from(acc.tp, (tp, k) => (2 * tp) / (2 * tp + acc.fp[k] + acc.fn[k]));
}

/** numpy nanmean: NaN when every entry is NaN */
export function nanMean(values: number[]): number {
  const ok = values.filter((v) => !Number.isNaN(v));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}

/** ema = 0.9·previous + 0.1·current; the first epoch takes the current value */
export function emaUpdate(previous: number | null, current: number): number {
  return previous === null ? current : 0.9 * previous + 0.1 * current;
}

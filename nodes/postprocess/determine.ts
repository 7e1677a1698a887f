// spec §9: determine_postprocessing on cross-validation predictions, nnU-Net's acceptance rules.
import type { Shape3 } from '../../src/imaging/volume.js';
import type { LabelMap } from '../../src/nn/predict/labels.js';
import { caseMetrics, labelKey, summarize, type LabelOrRegion, type Summary } from '../evaluate/summary.js';
import { applyOps, KEEP_LARGEST, type PostprocessingOp } from './operations.js';

export interface EvalCase {
  pred: LabelMap;
  ref: ArrayLike<number>;
  shape: Shape3;
  prediction_file: string;
  reference_file: string;
}

export interface PostprocessingDecision {
  ops: PostprocessingOp[];
  baseline: Summary;
  final: Summary;
  /** the predictions with every accepted operation applied, in case order */
  postprocessed: LabelMap[];
}

function evaluate(cases: readonly EvalCase[], preds: readonly LabelMap[], targets: readonly LabelOrRegion[], ignore: number | null): Summary {
  return summarize(cases.map((c, i) => caseMetrics(c.ref, preds[i], targets, ignore, c)), targets);
}

/**
 * Step A: keep the largest component of the union of all foreground labels/regions; accepted iff the foreground
 * mean Dice strictly increases and no label's mean Dice decreases. Step B (more than one label/region): per label in
 * declaration order, on top of what was accepted so far; accepted iff that label's mean Dice strictly increases.
 * NaN never counts as an improvement (comparisons with NaN are false, as in Python).
 */
export function determinePostprocessing(cases: readonly EvalCase[], targets: readonly LabelOrRegion[],
  ignoreLabel: number | null): PostprocessingDecision {
  const baseline = evaluate(cases, cases.map((c) => c.pred), targets, ignoreLabel);
  let current = baseline;
  let preds = cases.map((c) => c.pred);
  const ops: PostprocessingOp[] = [];

  const all: PostprocessingOp = { fn: KEEP_LARGEST, labels_or_regions: [...targets] };
  const candA = preds.map((p, i) => applyOps(p, cases[i].shape, [all]));
  const resA = evaluate(cases, candA, targets, ignoreLabel);
  const acceptA = resA.foreground_mean.Dice > current.foreground_mean.Dice &&
    Object.keys(resA.mean).every((k) => !(resA.mean[k].Dice < current.mean[k].Dice));
  if (acceptA) {
    ops.push(all);
    preds = candA;
    current = resA;
  }
  if (targets.length > 1) {
    for (const t of targets) {
      const op: PostprocessingOp = { fn: KEEP_LARGEST, labels_or_regions: t };
      const cand = preds.map((p, i) => applyOps(p, cases[i].shape, [op]));
      const res = evaluate(cases, cand, targets, ignoreLabel);
      const k = labelKey(t);
      if (res.mean[k].Dice > current.mean[k].Dice) {
        ops.push(op);
        preds = cand;
        current = res;
      }
    }
  }
  return { ops, baseline, final: current, postprocessed: preds };
}

/** postprocessing.json's content as nnU-Net builds it: the means before and after, function names, kwargs. */
export function postprocessingJson(d: PostprocessingDecision): Record<string, unknown> {
  const pick = (s: Summary) => ({ foreground_mean: s.foreground_mean, mean: s.mean });
  return {
    input_folder: pick(d.baseline),
    postprocessed: pick(d.final),
    postprocessing_fns: d.ops.map((o) => o.fn),
    postprocessing_kwargs: d.ops.map((o) => ({ labels_or_regions: o.labels_or_regions })),
  };
}

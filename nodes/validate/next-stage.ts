// spec §5.9, §7: a configuration with next_stage (3d_lowres) also exports every validation case on the next stage's
// preprocessed grid; after all folds, those out-of-fold segmentations are the cascade's extra input.
// Layout (nnU-Net: <results>/predicted_next_stage/<next>/CASEID.b2nd): predicted_next_stage/<next>/<case>.npy, int16
// (1, X, Y, Z) like the preprocessed <case>_seg.npy, so the training loader reads it the same way.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import { computeNewShape, resampleDataOrSegToShape } from '../../src/imaging/index.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import { logitsToSegmentation, type LabelHandling } from '../../src/nn/predict/labels.js';
import type { ConfigurationPlan, Plans } from '../plan/format.js';
import type { CaseProperties } from '../preprocess/preprocess-case.js';
import { permuteShape, type Axes3 } from '../preprocess/transpose.js';

export const NEXT_STAGE_DIR = 'predicted_next_stage';

export const nextStageFile = (root: string, stage: string, caseId: string): string => join(root, NEXT_STAGE_DIR, stage, `${caseId}.npy`);

/** The case's (transposed) spacing, with a 2D configuration's in-plane spacing completed by the case's own axis 0. */
function gridSpacing(props: CaseProperties, plans: Plans, config: ConfigurationPlan): Shape3 {
  const spacingT = permuteShape(props.spacing as Shape3, plans.transpose_forward as unknown as Axes3);
  return config.spacing.length === 3 ? (config.spacing as Shape3) : [spacingT[0], config.spacing[0], config.spacing[1]];
}

/**
 * The shape the next stage's preprocessing gives this case (spec §4.1 step 4: the crop resampled to its spacing).
 * nnU-Net reads it from the next stage's preprocessed file; the crop and the rounding are the same, so computing it
 * needs no extra input.
 */
export function nextStageShape(props: CaseProperties, plans: Plans, next: ConfigurationPlan): Shape3 {
  const spacingT = permuteShape(props.spacing as Shape3, plans.transpose_forward as unknown as Axes3);
  return computeNewShape(props.shape_after_cropping_and_before_resampling, spacingT, gridSpacing(props, plans, next));
}

/**
 * nnU-Net's resample_and_save: the logits (this stage's grid) resampled with the probability resampler to the next
 * stage's shape, then argmax (or region painting). nnU-Net passes this stage's spacing as both the current and the
 * target spacing, so the separate-z decision follows this stage's spacing; we do the same.
 */
export function nextStageSegmentation(logits: Float32Array, channels: number, gridShape: Shape3, targetShape: Shape3,
  props: CaseProperties, plans: Plans, config: ConfigurationPlan, h: LabelHandling): Int16Array {
  const spacing = gridSpacing(props, plans, config);
  const k = config.resampling_fn_probabilities_kwargs;
  const resampled = Float32Array.from(resampleDataOrSegToShape(logits, channels, gridShape, targetShape, spacing, spacing,
    false, k.order, k.order_z, k.force_separate_z));
  return Int16Array.from(logitsToSegmentation(resampled, channels, h));
}

/**
 * Previous-stage segmentations by case id, from artifacts that hold predicted_next_stage/<stage>/ (the previous
 * stage's validate outputs, one per fold, or one gathered folder). A case found twice is an error: the folds of
 * one cross-validation never share a validation case.
 */
export async function collectNextStageSegs(roots: readonly string[], stage: string, code: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const root of roots) {
    const dir = join(root, NEXT_STAGE_DIR, stage);
    if (!existsSync(dir)) continue;
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.npy')).sort()) {
      const id = f.slice(0, -'.npy'.length);
      const file = join(dir, f);
      const seen = out.get(id);
      if (seen) throw new NodeError(code, `case ${id} has two ${stage} inputs: ${seen} and ${file}`, { item: id, file });
      out.set(id, file);
    }
  }
  return out;
}

/** Fails naming every case that has no previous-stage segmentation. */
export function requirePreviousStage(segs: { has(id: string): boolean }, ids: readonly string[], stage: string, previous: string, code: string,
  node?: string): void {
  const missing = ids.filter((id) => !segs.has(id));
  if (missing.length === 0) return;
  throw new NodeError(code,
    `${stage} needs the ${previous} segmentation of every case (predicted_next_stage/${stage}/ of all ${previous} folds' validation); missing for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5} more)` : ''}`,
    { node }, { issues: missing.map((id) => ({ code, item: id, message: `no ${previous} segmentation for case ${id}` })) });
}

// spec §6.5: logits on the preprocessed grid -> label map (and probabilities) in the input image's array layout.
import { resampleDataOrSegToShape } from '../../src/imaging/resample/resample.js';
import type { ImageGeometry, Shape3 } from '../../src/imaging/volume.js';
import {
  allocLabelMap, applyInferenceNonlin, logitsToSegmentation, probabilitiesToSegmentation,
  type LabelHandling, type LabelMap,
} from '../../src/nn/predict/labels.js';
import type { CaseProperties } from '../preprocess/preprocess-case.js';
import { permuteShape, transposeChannelsFirst, type Axes3 } from '../preprocess/transpose.js';
import type { ConfigurationPlan, Plans } from '../plan/format.js';

export interface ExportedPrediction {
  /** label map in the reader's array order (shape = `shape`) */
  seg: LabelMap;
  shape: Shape3;
  /** (C, ...shape) float32, when asked for */
  probabilities?: Float32Array;
}

/**
 * nnU-Net's convert_predicted_logits_to_segmentation_with_correct_shape: resample the logits (order 1, separate-z
 * rules) from the configuration spacing to the cropped original grid, softmax/argmax (or sigmoid regions), paste
 * into the uncropped shape (probabilities: background 1 outside the crop, regions 0), transpose back.
 */
export function exportPrediction(logits: Float32Array, channels: number, gridShape: Shape3, props: CaseProperties,
  plans: Plans, config: ConfigurationPlan, h: LabelHandling, withProbabilities: boolean): ExportedPrediction {
  const fwd = plans.transpose_forward as unknown as Axes3;
  const bwd = plans.transpose_backward as unknown as Axes3;
  const spacingT = permuteShape(props.spacing as Shape3, fwd);
  const current: Shape3 = config.spacing.length === 3
    ? (config.spacing as Shape3)
    : [spacingT[0], config.spacing[0], config.spacing[1]];
  const cropShape = props.shape_after_cropping_and_before_resampling as Shape3;
  const k = config.resampling_fn_probabilities_kwargs;
  const resampled = Float32Array.from(resampleDataOrSegToShape(logits, channels, gridShape, cropShape, current, spacingT,
    false, k.order, k.order_z, k.force_separate_z));

  let probs: Float32Array | undefined;
  let cropSeg: LabelMap;
  if (withProbabilities) {
    probs = applyInferenceNonlin(resampled, channels, h);
    cropSeg = probabilitiesToSegmentation(probs, channels, h);
  } else {
    cropSeg = logitsToSegmentation(resampled, channels, h);
  }
  const full = props.shape_before_cropping as Shape3;
  const seg = allocLabelMap(h, full[0] * full[1] * full[2]);
  pasteBox(cropSeg, 1, cropShape, seg, full, props.bbox_used_for_cropping);
  const out: ExportedPrediction = {
    seg: transposeChannelsFirst(seg, 1, full, bwd),
    shape: permuteShape(full, bwd),
  };
  if (probs) {
    const fullProbs = new Float32Array(channels * full[0] * full[1] * full[2]);
    // outside the crop nnU-Net says "certainly background" for softmax outputs, nothing for regions
    if (!h.regionsClassOrder) fullProbs.fill(1, 0, full[0] * full[1] * full[2]);
    pasteBox(probs, channels, cropShape, fullProbs, full, props.bbox_used_for_cropping);
    out.probabilities = transposeChannelsFirst(fullProbs, channels, full, bwd);
  }
  return out;
}

/** The writer's geometry of a preprocessed case (its reader metadata), for predictions made from preprocessed data. */
export const geometryOf = (props: CaseProperties): ImageGeometry => ({
  dimension: props.sitk_stuff.spacing.length === 2 ? 2 : 3,
  itkSpacing: props.sitk_stuff.spacing,
  itkOrigin: props.sitk_stuff.origin,
  itkDirection: props.sitk_stuff.direction,
});

/** dst[c][bbox] = src[c] for every channel; src has the bbox's shape. */
function pasteBox<T extends LabelMap | Float32Array>(src: T, channels: number, box: Shape3, dst: T, full: Shape3,
  bbox: ReadonlyArray<readonly [number, number]>): void {
  const [b0, b1, b2] = bbox.map(([s]) => s);
  const srcPlane = box[0] * box[1] * box[2];
  const dstPlane = full[0] * full[1] * full[2];
  for (let c = 0; c < channels; c++) for (let i = 0; i < box[0]; i++) for (let j = 0; j < box[1]; j++) {
    const s = c * srcPlane + (i * box[1] + j) * box[2];
    dst.set(src.subarray(s, s + box[2]) as never, c * dstPlane + ((b0 + i) * full[1] + b1 + j) * full[2] + b2);
  }
}

// spec §4.1: nnU-Net's DefaultPreprocessor.run_case_npy for one case and one configuration
import { NodeError } from '../../src/engine/errors.js';
// module paths, not the imaging barrel: the browser bundle (src/web) must not pull in the file readers
import { cropToNonzero } from '../../src/imaging/crop.js';
import { normalize } from '../../src/imaging/normalize.js';
import { computeNewShape, resampleDataOrSegToShape } from '../../src/imaging/resample/resample.js';
import type { Shape3, Volume } from '../../src/imaging/volume.js';
import { sampleClassLocations, type ClassLocations } from './class-locations.js';
import { locationTargets } from './label-targets.js';
import type { LabelValue } from '../dataset/format.js';
import type { Plans } from '../plan/format.js';
import { resolveConfiguration } from '../plan/resolve.js';
import { permuteShape, transposeChannelsFirst, type Axes3 } from './transpose.js';

/** What inference needs to undo the preprocessing; nnU-Net's properties pickle as JSON-safe values. */
export interface CaseProperties {
  /** the reader's spacing, array order, before the transpose (nnU-Net `properties['spacing']`) */
  spacing: number[];
  /** SimpleITK's view of the file, for writing predictions back on top of the image */
  sitk_stuff: { spacing: number[]; origin: number[]; direction: number[] };
  /** transposed spatial shape */
  shape_before_cropping: number[];
  /** half-open [start, end) per transposed axis */
  bbox_used_for_cropping: Array<[number, number]>;
  shape_after_cropping_and_before_resampling: number[];
  /** present when a segmentation was given */
  class_locations?: ClassLocations;
}

export interface PreprocessedCase {
  /** (C, X, Y, Z) float32, C order */
  data: Float32Array;
  /** (1, X, Y, Z): labels, -1 outside the nonzero mask; null when no segmentation was given */
  seg: Int16Array | null;
  /** [C, X, Y, Z] */
  shape: [number, number, number, number];
  properties: CaseProperties;
}

/** The part of the plans preprocessing reads: any nnUNetPlans.json object satisfies it. */
export type PreprocessPlans = Pick<Plans, 'plans_name' | 'transpose_forward' | 'foreground_intensity_properties_per_channel' | 'configurations'>;

export interface DatasetLabels {
  labels: Record<string, LabelValue>;
}

export function preprocessCase(
  image: Volume,
  seg: Volume | null,
  plans: PreprocessPlans,
  configurationName: string,
  datasetJson: DatasetLabels,
): PreprocessedCase {
  const config = resolveConfiguration(plans, configurationName);
  if (seg && seg.shape.some((s, i) => s !== image.shape[i])) {
    throw new NodeError(
      'PREPROCESS_SEG_SHAPE_MISMATCH',
      `segmentation shape [${seg.shape.join(', ')}] does not match image shape [${image.shape.join(', ')}]`,
    );
  }
  if (config.normalization_schemes.length !== image.channels) {
    throw new NodeError(
      'PREPROCESS_CHANNEL_MISMATCH',
      `the image has ${image.channels} channel(s) but configuration '${configurationName}' normalizes ${config.normalization_schemes.length}`,
    );
  }
  const axes = plans.transpose_forward as unknown as Axes3;
  const channels = image.channels;
  // the crop copies, so nothing below writes into the caller's arrays
  const f32 = image.data instanceof Float32Array ? image.data : Float32Array.from(image.data);
  const data = transposeChannelsFirst(f32, channels, image.shape, axes);
  const segT = seg ? transposeChannelsFirst(seg.data, 1, seg.shape, axes) : null;
  const spacing = permuteShape(image.spacing, axes);
  const shapeBefore = permuteShape(image.shape, axes);

  const cropped = cropToNonzero(data, channels, shapeBefore, segT);
  const shapeAfter = cropped.shape;
  const target: Shape3 =
    config.spacing.length === 3
      ? (config.spacing as Shape3)
      : [spacing[0], config.spacing[0], config.spacing[1]];
  const newShape = computeNewShape(shapeAfter, spacing, target);

  // normalize before resampling: the -1 outside-mask marker must still fit the image (nnU-Net's own warning)
  normalize(
    cropped.data,
    channels,
    shapeAfter,
    cropped.seg,
    config.normalization_schemes,
    config.use_mask_for_norm,
    plans.foreground_intensity_properties_per_channel,
  );
  const d = config.resampling_fn_data_kwargs;
  // float32 in -> float32 out, int16 seg in -> int16 out (the same array when the shape is unchanged)
  const outData = <Float32Array>resampleDataOrSegToShape(cropped.data, channels, shapeAfter, newShape, spacing, target, false, d.order, d.order_z, d.force_separate_z);
  const properties: CaseProperties = {
    spacing: [...image.spacing],
    sitk_stuff: {
      spacing: [...image.geometry.itkSpacing],
      origin: [...image.geometry.itkOrigin],
      direction: [...image.geometry.itkDirection],
    },
    shape_before_cropping: [...shapeBefore],
    bbox_used_for_cropping: cropped.bbox.map(([a, b]): [number, number] => [a, b]),
    shape_after_cropping_and_before_resampling: [...shapeAfter],
  };
  let outSeg: Int16Array | null = null;
  if (seg) {
    const s = config.resampling_fn_seg_kwargs;
    outSeg = <Int16Array>resampleDataOrSegToShape(cropped.seg, 1, shapeAfter, newShape, spacing, target, true, s.order, s.order_z, s.force_separate_z);
    properties.class_locations = sampleClassLocations(outSeg, newShape, locationTargets(datasetJson.labels));
  }
  return { data: outData, seg: outSeg, shape: [channels, newShape[0], newShape[1], newShape[2]], properties };
}

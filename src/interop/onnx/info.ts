/**
 * `nnunet_onnx.json`, written beside the exported `.onnx` files: everything a pipeline around the networks needs
 * to reproduce `nnunet predict` (schemas/onnx-export.schema.json). Values come from the model's plans.json,
 * dataset.json and postprocessing.json, in nnU-Net's own terms where it has them.
 */
import type { ResamplingKwargs } from '../../../nodes/plan/format.js';
import type { ForegroundIntensityProperties } from '../../../nodes/fingerprint/format.js';
import type { LabelValue } from '../../../nodes/dataset/format.js';
import type { PostprocessingOp } from '../../../nodes/postprocess/operations.js';
import type { FoldId } from '../../../nodes/predict/model.js';

export const ONNX_INFO_FILE = 'nnunet_onnx.json';
export const ONNX_INFO_FORMAT = 'nnunet-ts-onnx';

export interface OnnxChannel {
  index: number;
  name: string;
}

export interface OnnxInputChannel extends OnnxChannel {
  /** 'image': a channel of the case (dataset.json channel_names); 'previous_stage': cascade one-hot of `label` */
  source: 'image' | 'previous_stage';
  label?: number;
}

export interface OnnxOutputChannel extends OnnxChannel {
  /** softmax outputs: the label value of this channel */
  label?: number;
  /** sigmoid outputs: the labels this region is the union of */
  region?: number[];
}

export interface OnnxNormalization {
  channel: number;
  /** nnU-Net's scheme name: ZScoreNormalization, CTNormalization, NoNormalization, RescaleTo01Normalization, ... */
  scheme: string;
  use_mask_for_norm: boolean;
  /** the dataset's foreground intensity statistics of this channel (CTNormalization clips and scales with them) */
  intensity_properties: ForegroundIntensityProperties | null;
}

export interface OnnxResampling {
  fn: string;
  kwargs: ResamplingKwargs;
}

export interface OnnxModelInfo {
  format: typeof ONNX_INFO_FORMAT;
  format_version: 1;
  dataset_name: string;
  configuration: string;
  /** for a cascade stage: the configuration whose segmentation feeds the previous_stage input channels */
  previous_stage: string | null;
  network: { class_name: string; spatial_dims: 2 | 3; opset: number };
  /** one network per fold; their logits are averaged (mean over folds) before the nonlinearity */
  folds: { fold: FoldId; file: string }[];
  input: {
    name: string;
    dtype: 'float32';
    /** axis order of the tensor; symbolic axes are dynamic */
    layout: string;
    shape: (string | number)[];
    /** every spatial size must be a multiple of these (the product of the network's strides per axis) */
    spatial_divisor: number[];
    channels: OnnxInputChannel[];
  };
  output: {
    name: string;
    dtype: 'float32';
    layout: string;
    shape: (string | number)[];
    /** the graph outputs logits; the surrounding pipeline applies this over the channel axis after averaging */
    activation: 'softmax' | 'sigmoid';
    channels: OnnxOutputChannel[];
  };
  preprocessing: {
    /** image axes (numpy order of the reader's array) -> network axes, and back */
    transpose_forward: number[];
    transpose_backward: number[];
    crop_to_nonzero: true;
    /** target spacing in network axis order */
    spacing: number[];
    normalization: OnnxNormalization[];
    resampling: { data: OnnxResampling; segmentation: OnnxResampling; probabilities: OnnxResampling };
  };
  sliding_window: {
    /** spatial patch in network axis order; 2D networks see slices along axis 0 of the 3D volume as batch items */
    patch_size: number[];
    step_size: number;
    gaussian: { sigma_scale: number; value_scaling_factor: number };
    /** test-time mirroring: indices into patch_size (add 2 for the axis of the ONNX tensor) */
    mirror_axes: number[];
  };
  /** dataset.json's labels and regions_class_order (regions: later ones overwrite earlier where p > 0.5) */
  labels: Record<string, LabelValue>;
  regions_class_order: number[] | null;
  /** applied in order to the final label map; empty when the model has none */
  postprocessing: PostprocessingOp[];
  /** the steps in plain words */
  notes: string[];
}

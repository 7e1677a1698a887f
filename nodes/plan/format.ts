/**
 * nnUNetPlans.json, mirrored 1:1 (spec §3.11): keys, nesting and key order are nnU-Net's, so a user can diff
 * our plans against an nnU-Net plans file. Objects are built in this key order; JSON.stringify keeps it.
 */
import type { ForegroundIntensityProperties } from '../fingerprint/format.js';

export type ConfigurationName = '2d' | '3d_lowres' | '3d_fullres' | '3d_cascade_fullres';

/** Canonical configuration order inside `configurations` (nnU-Net's insertion order). */
export const CONFIGURATION_ORDER: readonly ConfigurationName[] = ['2d', '3d_lowres', '3d_fullres', '3d_cascade_fullres'];

export interface ResamplingKwargs {
  is_seg: boolean;
  order: number;
  order_z: number;
  force_separate_z: boolean | null;
}

export interface ArchKwargs {
  n_stages: number;
  features_per_stage: number[];
  /** 'torch.nn.modules.conv.Conv2d' | 'torch.nn.modules.conv.Conv3d' */
  conv_op: string;
  kernel_sizes: number[][];
  strides: number[][];
  /** PlainConvUNet: convolutions per encoder stage */
  n_conv_per_stage?: number[];
  /** ResidualEncoderUNet: residual blocks per encoder stage */
  n_blocks_per_stage?: number[];
  n_conv_per_stage_decoder: number[];
  conv_bias: boolean;
  norm_op: string;
  norm_op_kwargs: { eps: number; affine: boolean };
  dropout_op: string | null;
  dropout_op_kwargs: Record<string, unknown> | null;
  nonlin: string;
  nonlin_kwargs: { inplace: boolean; negative_slope?: number };
}

export interface Architecture {
  /** 'dynamic_network_architectures.architectures.unet.PlainConvUNet' | '...ResidualEncoderUNet' */
  network_class_name: string;
  arch_kwargs: ArchKwargs;
  _kw_requires_import: string[];
}

/** A fully specified configuration (what the planner writes for 2d / 3d_lowres / 3d_fullres). */
export interface ConfigurationPlan {
  data_identifier: string;
  preprocessor_name: string;
  batch_size: number;
  patch_size: number[];
  /** floats for 2d/3d_fullres (np.median), rounded ints for 3d_lowres */
  median_image_size_in_voxels: number[];
  spacing: number[];
  normalization_schemes: string[];
  use_mask_for_norm: boolean[];
  resampling_fn_data: string;
  resampling_fn_seg: string;
  resampling_fn_data_kwargs: ResamplingKwargs;
  resampling_fn_seg_kwargs: ResamplingKwargs;
  resampling_fn_probabilities: string;
  resampling_fn_probabilities_kwargs: ResamplingKwargs;
  architecture: Architecture;
  batch_dice: boolean;
  next_stage?: string;
  previous_stage?: string;
  inherits_from?: string;
}

/**
 * An entry of `configurations` as stored: either complete, or partial with `inherits_from` (the cascade
 * entry is `{inherits_from: '3d_fullres', previous_stage: '3d_lowres'}`). Resolve with `resolveConfiguration`.
 */
export type ConfigurationEntry = Partial<ConfigurationPlan> & { inherits_from?: string };

export interface Plans {
  dataset_name: string;
  plans_name: string;
  original_median_spacing_after_transp: number[];
  original_median_shape_after_transp: number[];
  /** 'SimpleITKIO', 'NaturalImage2DIO', ... */
  image_reader_writer: string;
  transpose_forward: number[];
  transpose_backward: number[];
  configurations: Record<string, ConfigurationEntry>;
  /** 'ExperimentPlanner', 'nnUNetPlannerResEncM', ... */
  experiment_planner_used: string;
  label_manager: string;
  foreground_intensity_properties_per_channel: Record<string, ForegroundIntensityProperties>;
}

/** Builders shared by this folder's tests: volumes and plans around the golden fixtures (test/preprocess/fixtures). */
import type { Shape3, Volume, VoxelArray } from '../../src/imaging/volume.js';
import type { ForegroundIntensityProperties } from '../fingerprint/format.js';
import type { ConfigurationEntry } from '../plan/format.js';
import type { PreprocessPlans } from './preprocess-case.js';

export const FIXTURES = new URL('../../test/preprocess/fixtures/', import.meta.url);

export function volume<T extends VoxelArray>(data: T, shape4: readonly number[], spacing: readonly number[]): Volume<T> {
  return {
    data,
    channels: shape4[0],
    shape: shape4.slice(1) as Shape3,
    spacing: [...spacing] as Shape3,
    geometry: { dimension: 3, itkSpacing: [...spacing].reverse(), itkOrigin: [0, 0, 0], itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
  };
}

const kwargs = (isSeg: boolean) => ({ is_seg: isSeg, order: isSeg ? 1 : 3, order_z: 0, force_separate_z: null });

export function configuration(spacing: number[], schemes: string[], useMask: boolean[]): ConfigurationEntry {
  return {
    data_identifier: `nnUNetPlans_${spacing.length}d`,
    spacing,
    normalization_schemes: schemes,
    use_mask_for_norm: useMask,
    resampling_fn_data_kwargs: kwargs(false),
    resampling_fn_seg_kwargs: kwargs(true),
  };
}

export function plans(
  transpose: number[],
  configurations: Record<string, ConfigurationEntry>,
  intensity: Record<string, Partial<ForegroundIntensityProperties>>,
): PreprocessPlans {
  const full = Object.fromEntries(
    Object.entries(intensity).map(([k, v]) => [k, { max: 0, min: 0, median: 0, mean: 0, std: 1, percentile_00_5: 0, percentile_99_5: 0, ...v }]),
  );
  return { plans_name: 'nnUNetPlans', transpose_forward: transpose, foreground_intensity_properties_per_channel: full, configurations };
}

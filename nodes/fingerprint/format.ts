/**
 * dataset_fingerprint.json, mirrored 1:1 (spec §2). nnU-Net writes it with sorted keys and indent 4;
 * `fingerprintJson` in this folder does the same.
 */

/** Statistics of the sampled foreground intensities of one channel (keys in nnU-Net's sorted order). */
export interface ForegroundIntensityProperties {
  max: number;
  mean: number;
  median: number;
  min: number;
  percentile_00_5: number;
  percentile_99_5: number;
  std: number;
}

export interface DatasetFingerprint {
  /** channel index as string -> statistics */
  foreground_intensity_properties_per_channel: Record<string, ForegroundIntensityProperties>;
  median_relative_size_after_cropping: number;
  /** per case, reader axis order (not transposed), in sorted case-id order */
  shapes_after_crop: number[][];
  /** per case, reader axis order (not transposed) */
  spacings: number[][];
}

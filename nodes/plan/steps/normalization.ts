// spec §3.9: normalization scheme per channel name, and whether the nonzero mask is used for it.
export const NORMALIZATION_BY_CHANNEL_NAME: Readonly<Record<string, string>> = {
  ct: 'CTNormalization',
  nonorm: 'NoNormalization',
  zscore: 'ZScoreNormalization',
  rescale_to_0_1: 'RescaleTo01Normalization',
  rgb_to_0_1: 'RGBTo01Normalization',
};
const DEFAULT_SCHEME = 'ZScoreNormalization';
/** Only z-score leaves voxels outside the mask at zero, so only it may use the mask. */
const MASKABLE = new Set(['ZScoreNormalization']);

export interface NormalizationChoice {
  schemes: string[];
  useMaskForNorm: boolean[];
}

export function chooseNormalization(channelNames: readonly string[], medianRelativeSizeAfterCropping: number,
  forceMask = false, threshold = 0.75): NormalizationChoice {
  const schemes = channelNames.map((n) => NORMALIZATION_BY_CHANNEL_NAME[n.toLowerCase()] ?? DEFAULT_SCHEME);
  const cropped = medianRelativeSizeAfterCropping < threshold || forceMask;
  return { schemes, useMaskForNorm: schemes.map((s) => cropped && MASKABLE.has(s)) };
}

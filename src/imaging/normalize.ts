// spec §4.3: nnU-Net's normalization schemes, per channel, in float32 with eps 1e-8.
import { momentsOfStream, type Fill } from './np.js';
import { ImageError } from './errors.js';
import { voxelCount, type Shape3, type VoxelArray } from './volume.js';

/** The fingerprint's foreground statistics of one channel (CTNormalization uses them). */
export interface IntensityProperties {
  mean: number;
  std: number;
  percentile_00_5: number;
  percentile_99_5: number;
}

export const NORMALIZATION_SCHEMES = [
  'CTNormalization',
  'NoNormalization',
  'RescaleTo01Normalization',
  'RGBTo01Normalization',
  'ZScoreNormalization',
] as const;
export type NormalizationScheme = (typeof NORMALIZATION_SCHEMES)[number];

const EPS = 1e-8;
const f32 = Math.fround;

/** numpy float32 mean/std (pairwise, float32 rounding) over the voxels of `x` selected by `take`. */
function statsF32(x: Float32Array, take: ((i: number) => boolean) | null): { mean: number; std: number } {
  let count = x.length;
  if (take) {
    count = 0;
    for (let i = 0; i < x.length; i++) if (take(i)) count++;
  }
  // numpy reduces x[mask] (the selected voxels, in order) block by block
  const replay = (): Fill => {
    let i = 0;
    return (buf, n) => {
      for (let k = 0; k < n; k++, i++) {
        if (take) while (!take(i)) i++;
        buf[k] = x[i];
      }
    };
  };
  const { mean, variance } = momentsOfStream(count, replay, 0, true);
  return { mean, std: f32(Math.sqrt(variance)) };
}

/** x = (x - mean) / max(std, eps) in float32, on the voxels `take` selects (all when null). */
function standardize(x: Float32Array, mean: number, std: number, take: ((i: number) => boolean) | null): void {
  const m = f32(mean);
  const s = f32(Math.max(std, EPS));
  for (let i = 0; i < x.length; i++) if (!take || take(i)) x[i] = f32(x[i] - m) / s;
}

function normalizeChannel(x: Float32Array, scheme: string, seg: VoxelArray | null, useMask: boolean, props: IntensityProperties | undefined, channel: number): void {
  switch (scheme) {
    case 'CTNormalization': {
      if (!props) {
        throw new ImageError('IMAGE_BAD_ARGUMENT', `CTNormalization of channel ${channel} needs the fingerprint's foreground intensity properties`);
      }
      const lo = props.percentile_00_5;
      const hi = props.percentile_99_5;
      for (let i = 0; i < x.length; i++) x[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
      standardize(x, props.mean, props.std, null);
      return;
    }
    case 'ZScoreNormalization': {
      if (useMask && !seg) throw new ImageError('IMAGE_BAD_ARGUMENT', `ZScoreNormalization with use_mask_for_norm on channel ${channel} needs a segmentation (mask = seg >= 0)`);
      const take = useMask && seg ? (i: number) => seg[i] >= 0 : null;
      const { mean, std } = statsF32(x, take);
      standardize(x, mean, std, take);
      return;
    }
    case 'RescaleTo01Normalization': {
      let min = Infinity;
      for (let i = 0; i < x.length; i++) if (x[i] < min) min = x[i];
      let max = -Infinity;
      for (let i = 0; i < x.length; i++) {
        x[i] = x[i] - min;
        if (x[i] > max) max = x[i];
      }
      const d = f32(Math.max(max, EPS));
      for (let i = 0; i < x.length; i++) x[i] = x[i] / d;
      return;
    }
    case 'RGBTo01Normalization': {
      for (let i = 0; i < x.length; i++) {
        if (!(x[i] >= 0 && x[i] <= 255)) {
          throw new ImageError('IMAGE_BAD_ARGUMENT', `RGBTo01Normalization: channel ${channel} voxel ${i} is ${x[i]}, outside [0, 255]`);
        }
      }
      for (let i = 0; i < x.length; i++) x[i] = x[i] / 255;
      return;
    }
    case 'NoNormalization':
      return;
    default:
      throw new ImageError('IMAGE_BAD_ARGUMENT', `unknown normalization scheme ${JSON.stringify(scheme)} for channel ${channel} (known: ${NORMALIZATION_SCHEMES.join(', ')})`);
  }
}

/**
 * Normalizes every channel of the cropped (channels, ...shape) float32 array in place, as the
 * DefaultPreprocessor does before resampling. `seg` is the cropped seg (-1 outside the nonzero mask);
 * `intensityProps` is keyed by channel index as in the fingerprint/plans ("0", "1", ...).
 */
export function normalize(
  data: Float32Array,
  channels: number,
  shape: Shape3,
  seg: VoxelArray | null,
  schemes: readonly string[],
  useMaskForNorm: readonly boolean[],
  intensityProps: Readonly<Record<string, IntensityProperties>> = {},
): void {
  const n = voxelCount(shape);
  if (data.length !== channels * n || schemes.length !== channels || useMaskForNorm.length !== channels) {
    throw new ImageError(
      'IMAGE_BAD_ARGUMENT',
      `normalize: ${data.length} values, ${channels} channels of [${shape.join(', ')}], ${schemes.length} schemes and ${useMaskForNorm.length} use_mask_for_norm flags do not agree`,
    );
  }
  if (seg && seg.length !== n) throw new ImageError('IMAGE_BAD_ARGUMENT', `normalize: segmentation has ${seg.length} voxels, the image ${n}`);
  for (let c = 0; c < channels; c++) {
    normalizeChannel(data.subarray(c * n, (c + 1) * n), schemes[c], seg, useMaskForNorm[c], intensityProps[String(c)], c);
  }
}

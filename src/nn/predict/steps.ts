// spec §6.4: sliding-window tile positions (compute_steps_for_sliding_window) and image padding (pad_nd_image).
import { NnunetError } from '../../engine/errors.js';
import { roundHalfEven } from '../../imaging/np.js';

/**
 * Tile start positions per axis. The target stride is `patch * stepSize`; the tiles are then spread evenly so the
 * first starts at 0 and the last ends at the image border (size 110, patch 64, step 0.5 -> 0, 23, 46).
 */
export function computeSteps(imageSize: readonly number[], patchSize: readonly number[], stepSize: number): number[][] {
  if (!(stepSize > 0 && stepSize <= 1)) {
    throw new NnunetError('PREDICT_BAD_STEP_SIZE', `step size must be in (0, 1], got ${stepSize}`);
  }
  return patchSize.map((patch, d) => {
    const size = imageSize[d];
    if (size < patch) {
      throw new NnunetError('PREDICT_IMAGE_SMALLER_THAN_PATCH', `image size ${size} < patch ${patch} on axis ${d}; pad first`);
    }
    const n = Math.ceil((size - patch) / (patch * stepSize)) + 1;
    const actual = n > 1 ? (size - patch) / (n - 1) : 0;
    return Array.from({ length: n }, (_, i) => roundHalfEven(actual * i));
  });
}

/** Zero padding that brings each axis up to at least `minSize`, the extra voxel going to the high side. */
export interface Padding {
  before: number[];
  after: number[];
  /** padded shape */
  shape: number[];
}

export function paddingToAtLeast(shape: readonly number[], minSize: readonly number[]): Padding {
  const before: number[] = [];
  const after: number[] = [];
  const padded: number[] = [];
  shape.forEach((s, d) => {
    const diff = Math.max(minSize[d] - s, 0);
    before.push(Math.floor(diff / 2));
    after.push(diff - Math.floor(diff / 2));
    padded.push(s + diff);
  });
  return { before, after, shape: padded };
}

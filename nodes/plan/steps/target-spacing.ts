// spec §3.2: full-resolution target spacing, with the anisotropy rule (reader axis order).
import { percentileOf } from '../../../src/imaging/np.js';

export interface TargetSpacingConstants {
  /** 3 */
  anisoThreshold: number;
  /** 10: percentile of the coarse axis' spacings used when the rule fires */
  anisoSpacingPercentile: number;
}

const column = (rows: readonly number[][], axis: number): number[] => rows.map((r) => r[axis]);

export function argmaxFirst(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

export function fullresTargetSpacing(spacings: readonly number[][], shapesAfterCrop: readonly number[][],
  k: TargetSpacingConstants): number[] {
  const dim = spacings[0].length;
  const target = [...Array(dim).keys()].map((a) => percentileOf(column(spacings, a), 50));
  const targetSize = [...Array(dim).keys()].map((a) => percentileOf(column(shapesAfterCrop, a), 50));
  const worst = argmaxFirst(target);
  const others = [...Array(dim).keys()].filter((i) => i !== worst);
  const maxOtherSpacing = Math.max(...others.map((i) => target[i]));
  const minOtherSize = Math.min(...others.map((i) => targetSize[i]));
  const anisoSpacing = target[worst] > k.anisoThreshold * maxOtherSpacing;
  const anisoVoxels = targetSize[worst] * k.anisoThreshold < minOtherSize;
  if (anisoSpacing && anisoVoxels) {
    let t = percentileOf(column(spacings, worst), k.anisoSpacingPercentile);
    // never coarser-than-others clamp: keep the coarse axis just above the finest other axes
    if (t < maxOtherSpacing) t = Math.max(maxOtherSpacing, t) + 1e-5;
    target[worst] = t;
  }
  return target;
}

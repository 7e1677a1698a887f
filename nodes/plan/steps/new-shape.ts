// spec §3.4: shape after resampling (nnU-Net's compute_new_shape) and the median over cases.
import { medianOf, roundHalfEven } from '../../../src/imaging/np.js';

/** round_half_even(old_spacing / new_spacing * old_shape) per axis, in nnU-Net's operation order. */
export function computeNewShape(oldShape: readonly number[], oldSpacing: readonly number[], newSpacing: readonly number[]): number[] {
  return oldShape.map((s, i) => roundHalfEven((oldSpacing[i] / newSpacing[i]) * s));
}

/** Per-axis np.median over rows (float result: 35.5 stays 35.5). */
export function medianPerAxis(rows: readonly number[][]): number[] {
  return rows[0].map((_, a) => medianOf(rows.map((r) => r[a])));
}

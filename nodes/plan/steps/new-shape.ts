// spec §3.4: shape after resampling (the imaging module's compute_new_shape) and the median over cases.
import { medianOf } from '../../../src/imaging/np.js';

export { computeNewShape } from '../../../src/imaging/index.js';

/** Per-axis np.median over rows (float result: 35.5 stays 35.5). */
export function medianPerAxis(rows: readonly number[][]): number[] {
  return rows[0].map((_, a) => medianOf(rows.map((r) => r[a])));
}

// batchgenerators resize_segmentation: order 0 = nearest resize of the label map; order 1 = every label's
// one-hot mask resized linearly, label written where the mask >= 0.5, labels in ascending order (later
// overwrite earlier), voxels no label reaches stay 0.
import { voxelCount, type Shape3 } from '../volume.js';
import { planAxis, type AxisPlan } from './axis.js';
import { resizeChannel, valueRange } from './resize.js';

/** Integer labels within this span are counted in a table instead of a Set. */
const TABLE_SPAN = 1 << 16;

/** min and max when every value is an integer in a span a table can index, else null. */
function integerSpan(seg: ArrayLike<number>): [number, number] | null {
  const [lo, hi] = valueRange(seg);
  if (seg.length === 0 || hi - lo >= TABLE_SPAN) return null;
  for (let i = 0; i < seg.length; i++) if (!Number.isInteger(seg[i])) return null;
  return [lo, hi];
}

/** Sorted distinct values of a label map. */
export function uniqueLabels(seg: ArrayLike<number>): number[] {
  const span = integerSpan(seg);
  if (!span) return [...new Set(Array.from(seg))].sort((a, b) => a - b);
  const [lo, hi] = span;
  const seen = new Uint8Array(hi - lo + 1);
  for (let i = 0; i < seg.length; i++) seen[seg[i] - lo] = 1;
  const out: number[] = [];
  for (let v = 0; v < seen.length; v++) if (seen[v]) out.push(v + lo);
  return out;
}

/** The label map as indices into its sorted labels (so per-voxel accumulators are small arrays). */
export function rankLabels(seg: ArrayLike<number>, out?: Uint8Array | Int32Array): { labels: number[]; rank: Uint8Array | Int32Array } {
  const labels = uniqueLabels(seg);
  const rank = out ?? (labels.length <= 256 ? new Uint8Array(seg.length) : new Int32Array(seg.length));
  const span = integerSpan(seg);
  if (span) {
    const table = new Int32Array(span[1] - span[0] + 1);
    labels.forEach((l, i) => (table[l - span[0]] = i));
    for (let i = 0; i < seg.length; i++) rank[i] = table[seg[i] - span[0]];
  } else {
    const index = new Map(labels.map((l, i) => [l, i]));
    for (let i = 0; i < seg.length; i++) rank[i] = index.get(seg[i])!;
  }
  return { labels, rank };
}

/**
 * Linear (order 1) one-hot resize of output rows x in [xFrom, xTo), evaluated per output voxel in scipy's own
 * summation order (corners with the last axis fastest, weight products left to right), so ties at exactly 0.5
 * fall the same way. `out` is the whole (newShape) map; rows outside the range are left alone.
 */
export function resizeSegLinearRows(
  rank: ArrayLike<number>,
  labels: readonly number[],
  shape: Shape3,
  newShape: Shape3,
  out: Int16Array,
  xFrom: number,
  xTo: number,
): void {
  const plans: AxisPlan[] = [0, 1, 2].map((a) => planAxis(shape[a], newShape[a], 1));
  const idx = plans.map((p, a) => {
    const n = newShape[a];
    const lohi = new Int32Array(2 * n);
    for (let o = 0; o < n; o++) {
      lohi[2 * o] = p.clampedIndex(p.start[o]);
      lohi[2 * o + 1] = p.clampedIndex(p.start[o] + 1);
    }
    return lohi;
  });
  const acc = new Float64Array(labels.length);
  const [, b, c] = shape;
  const [, n1, n2] = newShape;
  let o = xFrom * n1 * n2;
  for (let x = xFrom; x < xTo; x++) {
    for (let y = 0; y < n1; y++) {
      for (let z = 0; z < n2; z++, o++) {
        const z0 = idx[2][2 * z];
        const z1 = idx[2][2 * z + 1];
        const r00 = (idx[0][2 * x] * b + idx[1][2 * y]) * c;
        const r01 = (idx[0][2 * x] * b + idx[1][2 * y + 1]) * c;
        const r10 = (idx[0][2 * x + 1] * b + idx[1][2 * y]) * c;
        const r11 = (idx[0][2 * x + 1] * b + idx[1][2 * y + 1]) * c;
        const first = rank[r00 + z0];
        if (
          rank[r00 + z1] === first && rank[r01 + z0] === first && rank[r01 + z1] === first &&
          rank[r10 + z0] === first && rank[r10 + z1] === first && rank[r11 + z0] === first && rank[r11 + z1] === first
        ) {
          // one label on all corners: its weights sum to 1, every other label's to 0
          out[o] = labels[first];
          continue;
        }
        acc.fill(0);
        for (let i = 0; i < 2; i++) {
          const w0 = plans[0].weights[2 * x + i];
          const ix = idx[0][2 * x + i] * b;
          for (let j = 0; j < 2; j++) {
            const w01 = w0 * plans[1].weights[2 * y + j];
            const ixy = (ix + idx[1][2 * y + j]) * c;
            for (let k = 0; k < 2; k++) {
              acc[rank[ixy + idx[2][2 * z + k]]] += w01 * plans[2].weights[2 * z + k];
            }
          }
        }
        let label = 0;
        for (let l = 0; l < labels.length; l++) if (acc[l] >= 0.5) label = labels[l];
        out[o] = label;
      }
    }
  }
}

/** Resizes an int16-range label map (C order) to `newShape`; order 0 nearest, otherwise one-hot linear. */
export function resizeSegmentation(seg: ArrayLike<number>, shape: Shape3, newShape: Shape3, order: number): Int16Array {
  if (order === 0) return Int16Array.from(resizeChannel(seg, shape, newShape, 0));
  const out = new Int16Array(voxelCount(newShape));
  const { labels, rank } = rankLabels(seg);
  resizeSegLinearRows(rank, labels, shape, newShape, out, 0, newShape[0]);
  return out;
}

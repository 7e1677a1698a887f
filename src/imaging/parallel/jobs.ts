// The pieces of a resampling that workers run: plain calls of the serial kernels on a block, over
// SharedArrayBuffer-backed arrays that every thread sees.
import type { Shape3 } from '../volume.js';
import { resampleAxisInto, type AxisJob } from '../resample/axis.js';
import { resizeSegLinearRows } from '../resample/resize-seg.js';
import { resizeSlices } from '../resample/resample.js';

export type ImagingJob =
  | { kind: 'axis'; src: ArrayLike<number>; dst: Float64Array; job: AxisJob }
  | { kind: 'segRows'; rank: ArrayLike<number>; labels: number[]; shape: Shape3; newShape: Shape3; out: Int16Array; from: number; to: number }
  | { kind: 'slices'; src: ArrayLike<number>; base: number; shape: Shape3; mid: Shape3; axis: number; isSeg: boolean; order: number; out: Float64Array; from: number; to: number };

export function runJob(j: ImagingJob): void {
  switch (j.kind) {
    case 'axis':
      return resampleAxisInto(j.src, j.dst, j.job);
    case 'segRows':
      return resizeSegLinearRows(j.rank, j.labels, j.shape, j.newShape, j.out, j.from, j.to);
    case 'slices':
      return resizeSlices(j.src, j.base, j.shape, j.mid, j.axis, j.isSeg, j.order, j.out, j.from, j.to);
  }
}

/** [from, to) ranges splitting `total` into at most `parts` near-equal pieces. */
export function splitRange(total: number, parts: number): Array<[number, number]> {
  const k = Math.max(1, Math.min(parts, total));
  return Array.from({ length: k }, (_, i) => [Math.floor((i * total) / k), Math.floor(((i + 1) * total) / k)] as [number, number]);
}

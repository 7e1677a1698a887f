// resampleDataOrSegToShape with its heavy passes split over an ImagingPool; same results as the serial path.
import { voxelCount, type Shape3, type VoxelArray } from '../volume.js';
import { checkResampleArgs, inPlaneShape, resampleAlongAxis, resampleDataOrSegToShape, separateZAxis } from '../resample/resample.js';
import { axisSplit, clipToRangeOf } from '../resample/resize.js';
import { rankLabels, uniqueLabels } from '../resample/resize-seg.js';
import { shared, type ImagingPool } from './pool.js';
import { splitRange } from './jobs.js';

/** One axis pass, split over outer rows or, when there are too few, inner columns. */
async function axisPass(pool: ImagingPool, src: ArrayLike<number>, s: Shape3, axis: number, newN: number, order: number): Promise<Float64Array> {
  const [outer, inner] = axisSplit(s, axis);
  const dst = shared(Float64Array, outer * newN * inner);
  const alongOuter = outer >= pool.size;
  const parts = splitRange(alongOuter ? outer : inner, pool.size);
  await Promise.all(
    parts.map(([from, to]) =>
      pool.run({
        kind: 'axis',
        src,
        dst,
        job: { outer, n: s[axis], inner, newN, order, outerFrom: alongOuter ? from : 0, outerTo: alongOuter ? to : outer, innerFrom: alongOuter ? 0 : from, innerTo: alongOuter ? inner : to },
      }),
    ),
  );
  return dst;
}

async function channel(pool: ImagingPool, src: VoxelArray, shape: Shape3, newShape: Shape3, isSeg: boolean, order: number, orderZ: number, axis: number | null): Promise<ArrayLike<number>> {
  if (axis !== null) {
    const mid = inPlaneShape(shape, newShape, axis);
    const reshaped = shared(Float64Array, voxelCount(mid));
    await Promise.all(splitRange(shape[axis], pool.size).map(([from, to]) => pool.run({ kind: 'slices', src, base: 0, shape, mid, axis, isSeg, order, out: reshaped, from, to })));
    if (shape[axis] === newShape[axis]) return reshaped;
    if (isSeg && orderZ !== 0) return resampleAlongAxis(reshaped, mid, axis, newShape[axis], orderZ, true);
    return axisPass(pool, reshaped, mid, axis, newShape[axis], orderZ);
  }
  if (isSeg && order === 1) {
    const labelCount = uniqueLabels(src).length;
    const { labels, rank } = rankLabels(src, labelCount <= 256 ? shared(Uint8Array, src.length) : shared(Int32Array, src.length));
    const out = shared(Int16Array, voxelCount(newShape));
    await Promise.all(splitRange(newShape[0], pool.size).map(([from, to]) => pool.run({ kind: 'segRows', rank, labels, shape, newShape, out, from, to })));
    return out;
  }
  let cur: ArrayLike<number> = src;
  const s: Shape3 = [...shape];
  for (let a = 0; a < 3; a++) {
    if (s[a] === newShape[a]) continue;
    cur = await axisPass(pool, cur, s, a, newShape[a], order);
    s[a] = newShape[a];
  }
  const out = cur === src ? Float64Array.from(cur) : (cur as Float64Array);
  if (order > 0) clipToRangeOf(src, out);
  return out;
}

/** resampleDataOrSegToShape (same arguments and result) with the work spread over `pool`'s threads. */
export async function resampleDataOrSegToShapeParallel(pool: ImagingPool, ...args: Parameters<typeof resampleDataOrSegToShape>): Promise<VoxelArray> {
  const [data, channels, shape, newShape, currentSpacing, newSpacing, isSeg, order, orderZ = 0, forceSeparateZ = null] = args;
  checkResampleArgs(data, channels, shape, newShape, isSeg, order, orderZ);
  if (shape.every((s, i) => s === newShape[i])) return data;
  const axis = separateZAxis(currentSpacing, newSpacing, forceSeparateZ);
  const n = voxelCount(shape);
  const m = voxelCount(newShape);
  const out = isSeg ? new Int16Array(channels * m) : new Float32Array(channels * m);
  for (let c = 0; c < channels; c++) {
    // one channel at a time in shared memory, so workers read it without a copy per job
    const view = data.subarray(c * n, (c + 1) * n);
    const src = shared(view.constructor as unknown as { new (b: SharedArrayBuffer): VoxelArray; BYTES_PER_ELEMENT: number }, n);
    src.set(view as never);
    out.set(await channel(pool, src, shape, newShape, isSeg, order, orderZ, axis), c * m);
  }
  return out;
}

// spec §4.4: nnU-Net's resample_data_or_seg_to_shape, with the separate-z rule for anisotropic images.
import { roundHalfEven } from '../np.js';
import { ImageError } from '../errors.js';
import { voxelCount, type Shape3, type VoxelArray } from '../volume.js';
import { resampleAxis } from './axis.js';
import { axisSplit, resizeChannel } from './resize.js';
import { resizeSegmentation, uniqueLabels } from './resize-seg.js';

/** nnU-Net ANISO_THRESHOLD: max/min spacing above this resamples the coarse axis separately. */
export const ANISO_THRESHOLD = 3;

/** compute_new_shape: round-half-even(old_spacing / new_spacing * shape) per axis. */
export function computeNewShape(shape: readonly number[], oldSpacing: readonly number[], newSpacing: readonly number[]): Shape3 {
  if (shape.length !== 3 || oldSpacing.length !== 3 || newSpacing.length !== 3) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `computeNewShape needs 3 axes, got shape [${shape.join(', ')}], spacings [${oldSpacing.join(', ')}] -> [${newSpacing.join(', ')}]`);
  }
  return shape.map((k, i) => roundHalfEven((oldSpacing[i] / newSpacing[i]) * k)) as Shape3;
}

/** get_lowres_axis: the axes whose spacing equals the maximum. */
const lowresAxes = (spacing: readonly number[]): number[] => {
  const max = Math.max(...spacing);
  return spacing.flatMap((s, i) => (max / s === 1 ? [i] : []));
};
const anisotropic = (spacing: readonly number[]): boolean => Math.max(...spacing) / Math.min(...spacing) > ANISO_THRESHOLD;

/** determine_do_sep_z_and_axis: the out-of-plane axis to resample separately, or null. */
export function separateZAxis(currentSpacing: readonly number[], newSpacing: readonly number[], forceSeparateZ: boolean | null = null): number | null {
  let axes: number[] | null = null;
  if (forceSeparateZ !== null) axes = forceSeparateZ ? lowresAxes(currentSpacing) : null;
  else if (anisotropic(currentSpacing)) axes = lowresAxes(currentSpacing);
  else if (anisotropic(newSpacing)) axes = lowresAxes(newSpacing);
  // a maximum shared by two or three axes (e.g. 0.24, 1.25, 1.25) is not one coarse axis
  return axes && axes.length === 1 ? axes[0] : null;
}

/** Strides of the slice plane orthogonal to `axis` and of the axis itself, for a C-order shape. */
function sliceGeometry(shape: Shape3, axis: number): { plane: Shape3; strideAxis: number; strides: [number, number] } {
  const st = [shape[1] * shape[2], shape[2], 1];
  const others = [0, 1, 2].filter((a) => a !== axis);
  return { plane: [1, shape[others[0]], shape[others[1]]], strideAxis: st[axis], strides: [st[others[0]], st[others[1]]] };
}

function gatherSlice(src: ArrayLike<number>, base: number, shape: Shape3, axis: number, index: number, out: Float64Array): void {
  const { plane, strideAxis, strides } = sliceGeometry(shape, axis);
  let o = 0;
  for (let u = 0; u < plane[1]; u++) for (let v = 0; v < plane[2]; v++) out[o++] = src[base + index * strideAxis + u * strides[0] + v * strides[1]];
}

function scatterSlice(dst: Float64Array, shape: Shape3, axis: number, index: number, src: ArrayLike<number>): void {
  const { plane, strideAxis, strides } = sliceGeometry(shape, axis);
  let o = 0;
  for (let u = 0; u < plane[1]; u++) for (let v = 0; v < plane[2]; v++) dst[index * strideAxis + u * strides[0] + v * strides[1]] = src[o++];
}

/** The shape after the in-plane step of separate-z resampling: new in-plane size, old size along `axis`. */
export function inPlaneShape(shape: Shape3, newShape: Shape3, axis: number): Shape3 {
  const mid: Shape3 = [...newShape];
  mid[axis] = shape[axis];
  return mid;
}

/**
 * The in-plane step of separate-z resampling for slices [from, to) along `axis`: each 2D slice of the channel
 * at `base` is resized to the plane of `mid` (data: spline `order`, clipped per slice; seg: one-hot) into `out`.
 */
export function resizeSlices(
  src: ArrayLike<number>,
  base: number,
  shape: Shape3,
  mid: Shape3,
  axis: number,
  isSeg: boolean,
  order: number,
  out: Float64Array,
  from: number,
  to: number,
): void {
  const resize = isSeg ? resizeSegmentation : resizeChannel;
  const { plane } = sliceGeometry(shape, axis);
  const newPlane = sliceGeometry(mid, axis).plane;
  const slice = new Float64Array(plane[1] * plane[2]);
  for (let s = from; s < to; s++) {
    gatherSlice(src, base, shape, axis, s, slice);
    scatterSlice(out, mid, axis, s, resize(slice, plane, newPlane, order));
  }
}

/** Interpolates along `axis` only (scipy map_coordinates, mode 'nearest'); seg with order > 0 goes per label. */
export function resampleAlongAxis(src: Float64Array, shape: Shape3, axis: number, newN: number, order: number, isSeg: boolean): Float64Array {
  const [outer, inner] = axisSplit(shape, axis);
  if (!isSeg || order === 0) return resampleAxis(src, outer, shape[axis], inner, newN, order);
  const out = new Float64Array((src.length / shape[axis]) * newN);
  const mask = new Float64Array(src.length);
  for (const label of uniqueLabels(src)) {
    for (let i = 0; i < src.length; i++) mask[i] = src[i] === label ? 1 : 0;
    const r = resampleAxis(mask, outer, shape[axis], inner, newN, order);
    // np.round(v) > 0.5 with half-to-even rounding is v > 0.5
    for (let i = 0; i < r.length; i++) if (r[i] > 0.5) out[i] = label;
  }
  return out;
}

/** Throws IMAGE_BAD_ARGUMENT unless the arguments describe a resampling this module implements. */
export function checkResampleArgs(data: VoxelArray, channels: number, shape: Shape3, newShape: Shape3, isSeg: boolean, order: number, orderZ: number): void {
  const n = voxelCount(shape);
  if (data.length !== channels * n) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `resample: ${data.length} values do not fill ${channels} x [${shape.join(', ')}]`);
  }
  const allowed = isSeg ? [0, 1] : [0, 1, 3];
  if (!allowed.includes(order) || ![0, 1, 3].includes(orderZ)) {
    throw new ImageError('IMAGE_BAD_ARGUMENT', `resample: ${isSeg ? 'segmentation' : 'data'} order ${order} / order_z ${orderZ} not supported (order ${allowed.join('/')}, order_z 0/1/3)`);
  }
  if (newShape.some((s) => !Number.isInteger(s) || s < 1)) throw new ImageError('IMAGE_BAD_ARGUMENT', `resample: invalid new shape [${newShape.join(', ')}]`);
}

function resampleChannel(
  src: VoxelArray,
  base: number,
  shape: Shape3,
  newShape: Shape3,
  isSeg: boolean,
  order: number,
  orderZ: number,
  axis: number | null,
): ArrayLike<number> {
  const resize = isSeg ? resizeSegmentation : resizeChannel;
  const n = voxelCount(shape);
  if (axis === null) return resize(src.subarray(base, base + n), shape, newShape, order);
  const mid = inPlaneShape(shape, newShape, axis);
  const reshaped = new Float64Array(voxelCount(mid));
  resizeSlices(src, base, shape, mid, axis, isSeg, order, reshaped, 0, shape[axis]);
  if (shape[axis] === newShape[axis]) return reshaped;
  return resampleAlongAxis(reshaped, mid, axis, newShape[axis], orderZ, isSeg);
}

/**
 * nnU-Net resample_data_or_seg_to_shape on a (channels, ...shape) C-order array. Data (isSeg false) is
 * resized with spline `order` (3 for images, 1 for logits) and returned as float32; a label map (isSeg true)
 * with one-hot linear (order 1) or nearest (order 0) and returned as int16. With a separate-z axis, slices are
 * resized in-plane and the coarse axis is interpolated with `orderZ`. An unchanged shape returns `data` itself.
 */
export function resampleDataOrSegToShape(
  data: VoxelArray,
  channels: number,
  shape: Shape3,
  newShape: Shape3,
  currentSpacing: readonly number[],
  newSpacing: readonly number[],
  isSeg: boolean,
  order: number,
  orderZ = 0,
  forceSeparateZ: boolean | null = null,
): VoxelArray {
  checkResampleArgs(data, channels, shape, newShape, isSeg, order, orderZ);
  const n = voxelCount(shape);
  if (shape.every((s, i) => s === newShape[i])) return data;
  const axis = separateZAxis(currentSpacing, newSpacing, forceSeparateZ);
  const m = voxelCount(newShape);
  const out = isSeg ? new Int16Array(channels * m) : new Float32Array(channels * m);
  for (let c = 0; c < channels; c++) out.set(resampleChannel(data, c * n, shape, newShape, isSeg, order, orderZ, axis), c * m);
  return out;
}

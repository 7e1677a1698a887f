// spec §5.6 step 4: separable Gaussian blur with reflect padding (batchgeneratorsv2 blur_dimension, truncate 6)
import { AUG } from '../constants.js';
import { roundHalfEven } from '../../../imaging/np.js';

/** Kernel size: the odd integer nearest to sigma * truncate + 0.5 (Python round, then towards the value). */
export function blurKernelSize(sigma: number, truncate: number = AUG.blurTruncate): number {
  const n = sigma * truncate + 0.5;
  const r = roundHalfEven(n);
  if (Math.abs(r % 2) === 1) return r;
  return n - r >= 0 ? r + 1 : r - 1;
}

/** Normalised taps exp(-0.5 (x / sigma)^2) at integer offsets -k/2 .. k/2. */
export function gaussianKernel(sigma: number): Float64Array {
  const size = blurKernelSize(sigma);
  const half = (size - 1) / 2;
  const k = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    k[i] = Math.exp(-0.5 * ((i - half) / sigma) ** 2);
    sum += k[i];
  }
  for (let i = 0; i < size; i++) k[i] /= sum;
  return k;
}

/** torch 'reflect' padding index (edge not repeated), valid for any distance from the border. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/**
 * Blurs one channel (offset `start`, spatial `shape`) along `axis` in place. `line` is scratch of at least
 * shape[axis] + kernel.length entries.
 */
export function blurAxis(img: Float32Array, start: number, shape: readonly number[], axis: number, kernel: Float64Array, line: Float64Array): void {
  const len = shape[axis];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  const r = (kernel.length - 1) / 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = start + o * len * inner + i;
      for (let p = -r; p < len + r; p++) line[p + r] = img[base + reflect(p, len) * inner];
      for (let p = 0; p < len; p++) {
        let v = 0;
        for (let t = 0; t < kernel.length; t++) v += kernel[t] * line[p + t];
        img[base + p * inner] = v;
      }
    }
  }
}

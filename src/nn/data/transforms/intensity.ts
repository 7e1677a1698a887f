// spec §5.6 steps 3, 5, 6, 8, 9: noise, brightness, contrast, gamma (batchgeneratorsv2 as nnU-Net configures it)
import { AUG } from '../constants.js';
import type { Rng } from '../rng.js';

/** BGContrast: with p 0.5 (and lo < 1) a factor in [lo, 1), else in [max(lo, 1), hi). */
export function sampleBgContrast(lo: number, hi: number, rng: Rng): number {
  if (rng.random() < AUG.bgcontrastPLowerHalf && lo < 1) return rng.uniform(lo, 1);
  return rng.uniform(Math.max(lo, 1), hi);
}

/** Adds one N(0, sigma^2) field to every channel (synchronize_channels: the same noise in all channels). */
export function gaussianNoise(img: Float32Array, channels: number, sigma: number, rng: Rng): void {
  const n = img.length / channels;
  for (let i = 0; i < n; i++) {
    const v = Math.fround(rng.normal() * sigma);
    for (let c = 0; c < channels; c++) img[c * n + i] += v;
  }
}

/** x * f per channel. */
export function multiplyChannel(img: Float32Array, channel: number, channels: number, f: number): void {
  const n = img.length / channels;
  for (let i = channel * n; i < (channel + 1) * n; i++) img[i] *= f;
}

/** (x - mean) * f + mean, clipped to the channel's original [min, max] (preserve_range). */
export function contrastChannel(img: Float32Array, channel: number, channels: number, f: number): void {
  const n = img.length / channels;
  const { mean, min, max } = stats(img, channel * n, (channel + 1) * n);
  for (let i = channel * n; i < (channel + 1) * n; i++) {
    const v = (img[i] - mean) * f + mean;
    img[i] = v < min ? min : v > max ? max : v;
  }
}

/**
 * Gamma with retained stats: optional inversion, min-max to [0, 1], x^gamma, back to the range, then the
 * original mean and (unbiased, ddof 1 as torch.std) std restored.
 */
export function gammaChannel(img: Float32Array, channel: number, channels: number, gamma: number, invert: boolean): void {
  const n = img.length / channels;
  const lo = channel * n;
  const hi = lo + n;
  if (invert) for (let i = lo; i < hi; i++) img[i] = -img[i];
  const before = stats(img, lo, hi);
  const range = before.max - before.min;
  const denom = Math.max(range, AUG.gammaEps);
  for (let i = lo; i < hi; i++) img[i] = Math.pow((img[i] - before.min) / denom, gamma) * range + before.min;
  const after = stats(img, lo, hi);
  const k = before.std / Math.max(after.std, AUG.gammaEps);
  for (let i = lo; i < hi; i++) img[i] = (img[i] - after.mean) * k + before.mean;
  if (invert) for (let i = lo; i < hi; i++) img[i] = -img[i];
}

/** mean, min, max and unbiased std of img[lo, hi). */
export function stats(img: Float32Array, lo: number, hi: number): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = lo; i < hi; i++) {
    const v = img[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const n = hi - lo;
  const mean = sum / n;
  let ss = 0;
  for (let i = lo; i < hi; i++) ss += (img[i] - mean) ** 2;
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN, min, max };
}

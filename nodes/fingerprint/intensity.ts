/**
 * spec §2 foreground intensity statistics, bit-compatible with nnU-Net: per case one RandomState(1234) draws
 * `numSamples` foreground voxels with replacement for channel 0, then channel 1, ... from the same generator;
 * the concatenation over cases is summarised with numpy's float32 mean/std (float64 if any case has no
 * foreground, as numpy's concatenate with an empty list promotes) and linear percentiles. The samples are never
 * materialised: they are replayed from the RNG (mean pass, deviation pass) and counted per distinct value for
 * the order statistics.
 */
import { momentsOfStream, NPY_BUFSIZE, percentileFromOrder, RandomState, type Fill } from '../../src/imaging/np.js';
import type { ForegroundIntensityProperties } from './format.js';

export const FINGERPRINT_SEED = 1234;
export const TOTAL_FOREGROUND_SAMPLES = 1e8;

/** nnU-Net: int(10e7 // n_cases). */
export const samplesPerCase = (nCases: number): number => Math.floor(TOTAL_FOREGROUND_SAMPLES / nCases);

export interface ForegroundSource {
  /** foreground voxel count per case (same for every channel) */
  counts: readonly number[];
  /** the foreground values of one case and channel (loaded on demand; only one case is held at a time) */
  load(caseIndex: number, channel: number): Float32Array;
}

/** Replays channel `channel`'s sample sequence; `onCase` sees each case's per-voxel draw counts when it ends. */
function sampleStream(src: ForegroundSource, channel: number, numSamples: number,
  onCase?: (values: Float32Array, drawn: Uint32Array) => void): { fill: Fill; finish: () => void } {
  let ci = -1;
  let left = 0;
  let rs = new RandomState(FINGERPRINT_SEED);
  let values: Float32Array = new Float32Array(0);
  let drawn: Uint32Array | undefined;
  const idx = new Uint32Array(NPY_BUFSIZE);
  const finish = () => {
    if (drawn && onCase) onCase(values, drawn);
    drawn = undefined;
  };
  const advance = () => {
    finish();
    do ci++; while (src.counts[ci] === 0);
    values = src.load(ci, channel);
    rs = new RandomState(FINGERPRINT_SEED);
    // earlier channels drew from the same generator first
    for (let skip = channel * numSamples; skip > 0; skip -= NPY_BUFSIZE) rs.boundedMany(values.length - 1, idx, Math.min(skip, NPY_BUFSIZE));
    if (onCase) drawn = new Uint32Array(values.length);
    left = numSamples;
  };
  const fill: Fill = (buf, count) => {
    let filled = 0;
    while (filled < count) {
      if (left === 0) advance();
      const take = Math.min(left, count - filled);
      rs.boundedMany(values.length - 1, idx, take);
      for (let k = 0; k < take; k++) buf[filled + k] = values[idx[k]];
      if (drawn) for (let k = 0; k < take; k++) drawn[idx[k]]++;
      filled += take;
      left -= take;
    }
  };
  return { fill, finish };
}

export function foregroundStatistics(src: ForegroundSource, channel: number, numSamples: number): ForegroundIntensityProperties {
  const withForeground = src.counts.filter((c) => c > 0).length;
  const n = withForeground * numSamples;
  if (n === 0) {
    const nan = NaN;
    return { max: nan, mean: nan, median: nan, min: nan, percentile_00_5: nan, percentile_99_5: nan, std: nan };
  }
  const float32 = withForeground === src.counts.length;
  const tally = new Map<number, number>();
  const tallyCase = (values: Float32Array, drawn: Uint32Array) => {
    for (let j = 0; j < drawn.length; j++) if (drawn[j] > 0) tally.set(values[j], (tally.get(values[j]) ?? 0) + drawn[j]);
  };
  // the first replay (the mean pass) also counts the draws per distinct value
  let counting: { finish: () => void } | undefined;
  const replay = () => {
    const s = sampleStream(src, channel, numSamples, counting ? undefined : tallyCase);
    counting ??= s;
    return s.fill;
  };
  const { mean, variance } = momentsOfStream(n, replay, 0, float32);
  counting!.finish();
  const keys = Float64Array.from(tally.keys()).sort();
  const cum = new Float64Array(keys.length);
  let acc = 0;
  keys.forEach((k, i) => {
    acc += tally.get(k)!;
    cum[i] = acc;
  });
  const kth = (k: number) => {
    let lo = 0;
    let hi = keys.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > k) hi = mid;
      else lo = mid + 1;
    }
    return keys[lo];
  };
  const std = float32 ? Math.fround(Math.sqrt(variance)) : Math.sqrt(variance);
  const p = (q: number) => percentileFromOrder(n, kth, q, float32);
  return {
    max: keys[keys.length - 1], mean, median: p(50), min: keys[0], percentile_00_5: p(0.5), percentile_99_5: p(99.5), std,
  };
}

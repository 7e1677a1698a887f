/**
 * spec §2 foreground intensity statistics, bit-compatible with nnU-Net: per case one RandomState(1234) draws
 * `numSamples` foreground voxels with replacement for channel 0, then channel 1, ... from the same generator;
 * the concatenation over cases is summarised per channel with numpy's float32 mean/std (float64 if any case has
 * no foreground, as numpy's concatenate with an empty list promotes) and linear percentiles. The samples are
 * never materialised: two walks of the generator (mean pass, deviation pass) feed one numpy-order accumulator per
 * channel, and the first walk counts the draws per distinct value for the order statistics.
 */
import {
  meanFromSum, NPY_BUFSIZE, NumpySum, percentileFromOrder, RandomState, squaredDeviation, varianceFromSum,
} from '../../src/imaging/np.js';
import type { ForegroundIntensityProperties } from './format.js';

export const FINGERPRINT_SEED = 1234;
export const TOTAL_FOREGROUND_SAMPLES = 1e8;

/** nnU-Net: int(10e7 // n_cases). */
export const samplesPerCase = (nCases: number, total = TOTAL_FOREGROUND_SAMPLES): number => Math.floor(total / nCases);

export interface ForegroundSource {
  /** foreground voxel count per case (same for every channel) */
  counts: readonly number[];
  numChannels: number;
  /** the foreground values of one case and channel (loaded on demand; one case is held at a time) */
  load(caseIndex: number, channel: number): Float32Array;
}

/**
 * Replays the sampling of every case and channel in nnU-Net's order, handing each block of samples to `visit`
 * (`drawn` = the drawn voxel indices of that block).
 */
function walk(src: ForegroundSource, numSamples: number,
  visit: (channel: number, values: Float32Array, drawn: Uint32Array, count: number) => void,
  caseDone?: (channel: number, values: Float32Array) => void): void {
  const idx = new Uint32Array(NPY_BUFSIZE);
  src.counts.forEach((numFg, ci) => {
    if (numFg === 0) return;
    const rs = new RandomState(FINGERPRINT_SEED);
    for (let c = 0; c < src.numChannels; c++) {
      const values = src.load(ci, c);
      for (let left = numSamples; left > 0; left -= NPY_BUFSIZE) {
        const take = Math.min(left, NPY_BUFSIZE);
        rs.boundedMany(numFg - 1, idx, take);
        visit(c, values, idx, take);
      }
      caseDone?.(c, values);
    }
  });
}

const NAN_PROPS: ForegroundIntensityProperties = {
  max: NaN, mean: NaN, median: NaN, min: NaN, percentile_00_5: NaN, percentile_99_5: NaN, std: NaN,
};

/** Statistics of every channel, in channel order. */
export function foregroundStatistics(src: ForegroundSource, numSamples: number): ForegroundIntensityProperties[] {
  const C = src.numChannels;
  const n = src.counts.filter((c) => c > 0).length * numSamples;
  if (n === 0) return Array.from({ length: C }, () => ({ ...NAN_PROPS }));
  const float32 = src.counts.every((c) => c > 0);

  const sums = Array.from({ length: C }, () => new NumpySum(float32));
  // draws per voxel of the current case, folded into value -> count tallies when the case is done
  const tallies = Array.from({ length: C }, () => new Map<number, number>());
  let hits = new Uint32Array(0);
  const block = new Float64Array(NPY_BUFSIZE);
  walk(src, numSamples, (c, values, drawn, count) => {
    if (hits.length !== values.length) hits = new Uint32Array(values.length);
    for (let k = 0; k < count; k++) {
      block[k] = values[drawn[k]];
      hits[drawn[k]]++;
    }
    sums[c].pushBlock(block, count);
  }, (c, values) => {
    const t = tallies[c];
    for (let j = 0; j < hits.length; j++) if (hits[j] > 0) t.set(values[j], (t.get(values[j]) ?? 0) + hits[j]);
    hits.fill(0);
  });
  const means = sums.map((s) => meanFromSum(s.result(), n, float32));
  const squares = Array.from({ length: C }, () => new NumpySum(float32));
  walk(src, numSamples, (c, values, drawn, count) => {
    const m = means[c];
    for (let k = 0; k < count; k++) block[k] = squaredDeviation(values[drawn[k]], m, float32);
    squares[c].pushBlock(block, count);
  });

  return tallies.map((tally, c) => {
    const keys = Float64Array.from(tally.keys()).sort();
    const cum = new Float64Array(keys.length);
    let acc = 0;
    keys.forEach((key, i) => {
      acc += tally.get(key)!;
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
    const variance = varianceFromSum(squares[c].result(), n, 0, float32);
    const p = (q: number) => percentileFromOrder(n, kth, q, float32);
    return {
      max: keys[keys.length - 1], mean: means[c], median: p(50), min: keys[0], percentile_00_5: p(0.5), percentile_99_5: p(99.5),
      std: float32 ? Math.fround(Math.sqrt(variance)) : Math.sqrt(variance),
    };
  });
}

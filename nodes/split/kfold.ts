// spec §5.1: nnU-Net's cross-validation split = scikit-learn KFold(n, shuffle=True, random_state=seed) over the
// sorted case ids, with numpy's legacy RandomState shuffle.
import { RandomState } from '../../src/imaging/np.js';

export interface Fold {
  train: string[];
  val: string[];
}

/** Python's sorted() on str: code point order. */
export function sortIds(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => {
    const x = [...a];
    const y = [...b];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
      if (d !== 0) return d;
    }
    return x.length - y.length;
  });
}

export function kfoldSplits(ids: readonly string[], nSplits = 5, seed = 12345): Fold[] {
  const keys = sortIds(ids);
  const n = keys.length;
  if (nSplits < 2 || n < nSplits) {
    throw new RangeError(`cannot make ${nSplits} folds from ${n} cases (KFold needs 2 <= folds <= cases)`);
  }
  const order = new RandomState(seed).permutation(n);
  const folds: Fold[] = [];
  let start = 0;
  for (let f = 0; f < nSplits; f++) {
    const size = Math.floor(n / nSplits) + (f < n % nSplits ? 1 : 0);
    const inVal = new Uint8Array(n);
    for (let i = start; i < start + size; i++) inVal[order[i]] = 1;
    start += size;
    folds.push({ train: keys.filter((_, i) => !inVal[i]), val: keys.filter((_, i) => inVal[i] === 1) });
  }
  return folds;
}

/**
 * nnU-Net's fallback when a requested fold is beyond the splits file: a random 80:20 split with
 * RandomState(12345 + fold); train keys in draw order, val keys sorted.
 */
export function fallbackSplit(ids: readonly string[], fold: number, seedBase = 12345): Fold {
  const keys = sortIds(ids);
  const idx = new RandomState(seedBase + fold).choice(keys.length, Math.trunc(keys.length * 0.8), false);
  const picked = new Uint8Array(keys.length);
  for (const i of idx) picked[i] = 1;
  return { train: Array.from(idx, (i) => keys[i]), val: keys.filter((_, i) => !picked[i]) };
}

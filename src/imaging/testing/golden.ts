// Loads the golden fixtures written by scripts/golden/imaging_ops.py (tests only).
import { readFileSync } from 'node:fs';
import { decodeNpy, type NpyArray } from '../io/npy.js';

const OPS = new URL('../../../test/fixtures/imaging/ops/', import.meta.url);

export const manifest = JSON.parse(readFileSync(new URL('manifest.json', OPS), 'utf8')) as Record<string, any>;

export const golden = (caseName: string, array: string): NpyArray => {
  const file = new URL(`${caseName}__${array}.npy`, OPS).pathname;
  return decodeNpy(readFileSync(file), file);
};

/** Largest |a - b| / max(|b|, floor) over the arrays. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return worst;
}

export const mismatches = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let n = 0;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) n++;
  return n;
};

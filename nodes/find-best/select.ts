// spec §8 step 4: the winner is the highest cross-validation foreground Dice; ties go to the first candidate.

export interface Candidate {
  /** nnU-Net identifier: <trainer>__<plans>__<configuration>, or ensemble___<id1>___<id2>___<folds> */
  id: string;
  score: number;
}

/** nnU-Net's candidate order: 2d, 3d_fullres, 3d_lowres, 3d_cascade_fullres, then any other configuration. */
export const DEFAULT_ORDER = ['2d', '3d_fullres', '3d_lowres', '3d_cascade_fullres'];

export function configurationRank(configuration: string): number {
  const i = DEFAULT_ORDER.indexOf(configuration);
  return i < 0 ? DEFAULT_ORDER.length : i;
}

/** Every unordered pair, in nnU-Net's loop order (i < j). */
export function pairs<T>(items: readonly T[]): Array<[T, T]> {
  const out: Array<[T, T]> = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) out.push([items[i], items[j]]);
  return out;
}

export const ensembleId = (a: string, b: string, folds: readonly number[]): string => `ensemble___${a}___${b}___${folds.join('_')}`;

/** Strictly greater replaces the current best, so the first of equal scores wins; NaN never beats a number. */
export function pickBest<T extends Candidate>(candidates: readonly T[]): T {
  let best = candidates[0];
  for (const c of candidates.slice(1)) if (c.score > best.score || (Number.isNaN(best.score) && !Number.isNaN(c.score))) best = c;
  return best;
}

// spec §3.3: move the coarsest axis first; every plan value is expressed in this transposed order.
import { argmaxFirst } from './target-spacing.js';

export interface Transpose {
  forward: number[];
  backward: number[];
}

export function transposeFor(targetSpacing: readonly number[]): Transpose {
  const worst = argmaxFirst(targetSpacing);
  const forward = [worst, ...[...targetSpacing.keys()].filter((i) => i !== worst)];
  const backward = [...targetSpacing.keys()].map((i) => forward.indexOf(i));
  return { forward, backward };
}

export const applyTranspose = <T>(values: readonly T[], forward: readonly number[]): T[] => forward.map((i) => values[i]);

// spec §6.4: test-time mirroring over every subset of the allowed mirror axes.

/**
 * Flip patterns over 3 tile axes: first the identity, then every non-empty subset of `axes` in
 * itertools.combinations order (all singles, then pairs, ...), as upstream's _internal_maybe_mirror_and_predict.
 * 3 axes -> 8 variants, 2 axes -> 4.
 */
export function mirrorVariants(axes: readonly number[]): boolean[][] {
  const out: boolean[][] = [[false, false, false]];
  const combos = (k: number, from: number, picked: number[]): void => {
    if (picked.length === k) {
      const f = [false, false, false];
      for (const a of picked) f[a] = true;
      out.push(f);
      return;
    }
    for (let i = from; i < axes.length; i++) combos(k, i + 1, [...picked, axes[i]]);
  };
  for (let k = 1; k <= axes.length; k++) combos(k, 0, []);
  return out;
}

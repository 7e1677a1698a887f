import type { VoxelArray } from '../../imaging/volume.js';

/**
 * Copies the box [start, start + patch) of every channel of a (C, S0, S1, S2) array into `out`
 * (C, P0, P1, P2), filling whatever lies outside the source with `pad` (acvl_utils crop_and_pad_nd).
 */
export function cropAndPad3d<T extends VoxelArray>(
  src: T,
  shape: readonly number[],
  start: readonly number[],
  patch: readonly number[],
  pad: number,
  out: T,
  outOffset = 0,
): void {
  const [c, s0, s1, s2] = shape;
  const [p0, p1, p2] = patch;
  const z0 = Math.max(0, start[2]);
  const z1 = Math.min(s2, start[2] + p2);
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < p0; i++) {
      const x = start[0] + i;
      for (let j = 0; j < p1; j++) {
        const y = start[1] + j;
        const o = outOffset + ((ch * p0 + i) * p1 + j) * p2;
        if (x < 0 || x >= s0 || y < 0 || y >= s1 || z1 <= z0) {
          out.fill(pad, o, o + p2);
          continue;
        }
        const lead = z0 - start[2];
        if (lead > 0) out.fill(pad, o, o + lead);
        const s = ((ch * s0 + x) * s1 + y) * s2;
        out.set(src.subarray(s + z0, s + z1), o + lead);
        if (lead + (z1 - z0) < p2) out.fill(pad, o + lead + (z1 - z0), o + p2);
      }
    }
  }
}

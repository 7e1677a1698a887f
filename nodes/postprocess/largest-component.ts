// spec §9: keep the largest connected component(s) of a binary mask, full connectivity (26 in 3D, 8 in 2D).
import type { Shape3 } from '../../src/imaging/volume.js';

/**
 * Clears, in place, every voxel of `mask` outside the largest 26-connected component; all components of the
 * maximal size are kept (ties). 2D data is (1, H, W), where 26-connectivity is 8-connectivity.
 */
export function keepLargestComponents(mask: Uint8Array, shape: Shape3): Uint8Array {
  const [S0, S1, S2] = shape;
  const n = mask.length;
  const label = new Int32Array(n);
  const queue = new Int32Array(n);
  const sizes: number[] = [0];
  for (let seed = 0; seed < n; seed++) {
    if (!mask[seed] || label[seed]) continue;
    const id = sizes.length;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    label[seed] = id;
    while (head < tail) {
      const v = queue[head++];
      const z = v % S2;
      const y = ((v - z) / S2) % S1;
      const x = (v - z - y * S2) / (S1 * S2);
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= S0) continue;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= S1) continue;
          const row = (xx * S1 + yy) * S2;
          for (let dz = -1; dz <= 1; dz++) {
            const zz = z + dz;
            if (zz < 0 || zz >= S2) continue;
            const u = row + zz;
            if (mask[u] && !label[u]) {
              label[u] = id;
              queue[tail++] = u;
            }
          }
        }
      }
    }
    sizes.push(tail);
  }
  const max = Math.max(...sizes);
  for (let v = 0; v < n; v++) if (mask[v] && sizes[label[v]] !== max) mask[v] = 0;
  return mask;
}

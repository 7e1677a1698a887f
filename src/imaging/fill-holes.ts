// scipy.ndimage.binary_fill_holes with its default structure (6-connectivity in 3D): holes are background
// regions that do not reach the array border.
import type { Shape3 } from './volume.js';

/** Returns a new mask with every enclosed background region set to 1. */
export function fillHoles(mask: Uint8Array, shape: Shape3): Uint8Array {
  const [a, b, c] = shape;
  const sx = b * c;
  const n = mask.length;
  // 0 = unvisited background, 1 = foreground, 2 = background reachable from the border
  const state = Uint8Array.from(mask);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  const seed = (i: number) => {
    if (state[i] === 0) {
      state[i] = 2;
      queue[tail++] = i;
    }
  };
  for (let x = 0; x < a; x++) {
    for (let y = 0; y < b; y++) {
      const edgeRow = x === 0 || x === a - 1 || y === 0 || y === b - 1;
      const row = x * sx + y * c;
      if (edgeRow) for (let z = 0; z < c; z++) seed(row + z);
      else {
        seed(row);
        seed(row + c - 1);
      }
    }
  }
  while (head < tail) {
    const i = queue[head++];
    const z = i % c;
    const y = ((i - z) / c) % b;
    const x = (i - z - y * c) / sx;
    if (x > 0) seed(i - sx);
    if (x < a - 1) seed(i + sx);
    if (y > 0) seed(i - c);
    if (y < b - 1) seed(i + c);
    if (z > 0) seed(i - 1);
    if (z < c - 1) seed(i + 1);
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = state[i] === 2 ? 0 : 1;
  return out;
}

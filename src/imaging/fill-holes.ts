// scipy.ndimage.binary_fill_holes with its default structure (6-connectivity in 3D): holes are background
// regions that do not reach the array border. Background is handled as runs along the last axis joined by
// union-find (runs of neighbouring rows that overlap are face-connected), which touches each voxel twice.
import type { Shape3 } from './volume.js';

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

function union(parent: Int32Array, i: number, j: number): void {
  const a = find(parent, i);
  const b = find(parent, j);
  // the exterior (0) stays a root, so "reaches the border" is find(r) === 0
  if (a < b) parent[b] = a;
  else if (b < a) parent[a] = b;
}

/** Returns a new mask with every enclosed background region set to 1. */
export function fillHoles(mask: Uint8Array, shape: Shape3): Uint8Array {
  const [a, b, c] = shape;
  const rows = a * b;
  // pass 1: count background runs per row
  const rowFirst = new Int32Array(rows + 1);
  let runs = 0;
  for (let r = 0; r < rows; r++) {
    rowFirst[r] = runs + 1;
    const base = r * c;
    for (let z = 0; z < c; z++) if (mask[base + z] === 0 && (z === 0 || mask[base + z - 1] !== 0)) runs++;
  }
  rowFirst[rows] = runs + 1;
  // pass 2: run extents; run ids start at 1, 0 is the exterior
  const start = new Int32Array(runs + 1);
  const end = new Int32Array(runs + 1);
  let k = 1;
  for (let r = 0; r < rows; r++) {
    const base = r * c;
    for (let z = 0; z < c; z++) {
      if (mask[base + z] !== 0) continue;
      start[k] = z;
      while (z < c && mask[base + z] === 0) z++;
      end[k++] = z;
    }
  }
  const parent = new Int32Array(runs + 1);
  for (let i = 0; i <= runs; i++) parent[i] = i;
  const joinRows = (r1: number, r2: number) => {
    let i = rowFirst[r1];
    let j = rowFirst[r2];
    const iEnd = rowFirst[r1 + 1];
    const jEnd = rowFirst[r2 + 1];
    while (i < iEnd && j < jEnd) {
      if (start[i] < end[j] && start[j] < end[i]) union(parent, i, j);
      if (end[i] < end[j]) i++;
      else j++;
    }
  };
  for (let x = 0; x < a; x++) {
    for (let y = 0; y < b; y++) {
      const r = x * b + y;
      const edgeRow = x === 0 || x === a - 1 || y === 0 || y === b - 1;
      for (let i = rowFirst[r]; i < rowFirst[r + 1]; i++) if (edgeRow || start[i] === 0 || end[i] === c) union(parent, i, 0);
      if (y > 0) joinRows(r, r - 1);
      if (x > 0) joinRows(r, r - b);
    }
  }
  const out = Uint8Array.from(mask);
  for (let r = 0; r < rows; r++) {
    for (let i = rowFirst[r]; i < rowFirst[r + 1]; i++) if (find(parent, i) !== 0) out.fill(1, r * c + start[i], r * c + end[i]);
  }
  return out;
}

// Writes small preprocessed cases in the layout the loader reads (<id>.npy, <id>_seg.npy, <id>.json).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNpy } from '../../src/imaging/io/npy.js';

export interface SyntheticCaseOptions {
  shape: [number, number, number];
  channels?: number;
  /** box [lo, hi) per axis filled with label 1, and its centre voxel with label 2 */
  box?: [[number, number], [number, number], [number, number]];
  /** mark this many leading slices along axis 0 as outside the nonzero mask (-1) */
  outsideSlices?: number;
}

/** Image = linear ramp + case index, seg from the box; class_locations list every labelled voxel. */
export async function writeSyntheticCase(dir: string, id: string, index: number, o: SyntheticCaseOptions): Promise<void> {
  await mkdir(dir, { recursive: true });
  const [x, y, z] = o.shape;
  const channels = o.channels ?? 1;
  const n = x * y * z;
  const data = new Float32Array(channels * n);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) data[c * n + i] = index + i / n + c;
  const seg = new Int16Array(n);
  const locations: Record<string, number[][]> = { '1': [], '2': [] };
  const box = o.box ?? [[Math.floor(x / 3), Math.floor(x / 2)], [Math.floor(y / 3), Math.floor(y / 2)], [Math.floor(z / 3), Math.floor(z / 2)]];
  const centre = box.map(([lo, hi]) => Math.floor((lo + hi - 1) / 2));
  for (let i = 0; i < x; i++) {
    for (let j = 0; j < y; j++) {
      for (let k = 0; k < z; k++) {
        const v = (i * y + j) * z + k;
        if (i < (o.outsideSlices ?? 0)) seg[v] = -1;
        const inBox = i >= box[0][0] && i < box[0][1] && j >= box[1][0] && j < box[1][1] && k >= box[2][0] && k < box[2][1];
        if (!inBox) continue;
        const isCentre = i === centre[0] && j === centre[1] && k === centre[2];
        seg[v] = isCentre ? 2 : 1;
        locations[isCentre ? '2' : '1'].push([0, i, j, k]);
      }
    }
  }
  await writeNpy(join(dir, `${id}.npy`), data, [channels, x, y, z]);
  await writeNpy(join(dir, `${id}_seg.npy`), seg, [1, x, y, z]);
  await writeFile(join(dir, `${id}.json`), JSON.stringify({ spacing: [1, 1, 1], class_locations: locations }));
}

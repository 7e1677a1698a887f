/** Small synthetic raw datasets (nnU-Net layout, NIfTI) for planning tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeImage } from '../../src/imaging/index.js';
import type { Shape3, Volume, VoxelArray } from '../../src/imaging/volume.js';

export interface SyntheticCase {
  id: string;
  shape: Shape3;
  spacing?: Shape3;
  /** per channel offset added to the deterministic intensity pattern */
  channels?: number;
}

export function volume<T extends VoxelArray>(data: T, shape: Shape3, spacing: Shape3, origin: number[] = [0, 0, 0]): Volume<T> {
  return {
    data, channels: 1, shape, spacing,
    geometry: { dimension: 3, itkSpacing: [...spacing].reverse(), itkOrigin: origin, itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
  };
}

/** Image: a bright block inside a zero border (so cropping matters); label: a smaller box of 1s and 2s. */
export function caseVolumes(shape: Shape3, spacing: Shape3, channel: number, seed: number) {
  const [a, b, c] = shape;
  const img = new Float32Array(a * b * c);
  const seg = new Uint8Array(a * b * c);
  let i = 0;
  for (let x = 0; x < a; x++) {
    for (let y = 0; y < b; y++) {
      for (let z = 0; z < c; z++, i++) {
        const inside = x > 0 && y > 0 && z > 0 && x < a - 1 && y < b - 1;
        img[i] = inside ? 10 + ((x * 7 + y * 3 + z * 5 + seed * 11 + channel * 13) % 17) : 0;
        if (inside && x > 1 && y > 1 && x < a - 2 && y < b - 2) seg[i] = z % 3 === 0 ? 2 : z % 3 === 1 ? 1 : 0;
      }
    }
  }
  return { image: volume(img, shape, spacing), label: volume(seg, shape, spacing) };
}

export async function writeDataset(root: string, cases: SyntheticCase[], opts: { channels?: string[]; json?: Record<string, unknown> } = {}) {
  const channels = opts.channels ?? ['MRI'];
  mkdirSync(join(root, 'imagesTr'), { recursive: true });
  mkdirSync(join(root, 'labelsTr'), { recursive: true });
  for (const [n, c] of cases.entries()) {
    const spacing = c.spacing ?? [1, 1, 1];
    for (let ch = 0; ch < channels.length; ch++) {
      const { image, label } = caseVolumes(c.shape, spacing, ch, n);
      await writeImage(join(root, 'imagesTr', `${c.id}_${String(ch).padStart(4, '0')}.nii.gz`), image);
      if (ch === 0) await writeImage(join(root, 'labelsTr', `${c.id}.nii.gz`), label);
    }
  }
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({
    channel_names: Object.fromEntries(channels.map((c, i) => [String(i), c])),
    labels: { background: 0, a: 1, b: 2 },
    numTraining: cases.length,
    file_ending: '.nii.gz',
    ...opts.json,
  }, null, 4));
}

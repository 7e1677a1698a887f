/** A tiny raw nnU-Net dataset written with the imaging writers: `n` 6x9x8 cases, spacing (2.5, 1, 1), labels 0-2. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeImage } from '../../src/imaging/index.js';
import { volume } from '../../nodes/preprocess/test-helpers.js';

export async function makeTinyDataset(dir: string, n: number): Promise<void> {
  mkdirSync(join(dir, 'imagesTr'), { recursive: true });
  mkdirSync(join(dir, 'labelsTr'));
  const shape = [1, 6, 9, 8];
  for (let c = 0; c < n; c++) {
    const img = new Float32Array(6 * 9 * 8);
    const seg = new Float32Array(img.length);
    for (let i = 0; i < img.length; i++) {
      const x = Math.floor(i / 72);
      if (x > 0) img[i] = 10 + ((i * (c + 3)) % 17);
      if (x > 1 && i % 5 === c % 5) seg[i] = 1 + (i % 2);
    }
    const id = `case_${String(c).padStart(3, '0')}`;
    await writeImage(join(dir, 'imagesTr', `${id}_0000.nii.gz`), volume(img, shape, [2.5, 1, 1]));
    await writeImage(join(dir, 'labelsTr', `${id}.nii.gz`), volume(seg, shape, [2.5, 1, 1]));
  }
  const ds = { channel_names: { 0: 'MRI' }, labels: { background: 0, a: 1, b: 2 }, numTraining: n, file_ending: '.nii.gz' };
  writeFileSync(join(dir, 'dataset.json'), JSON.stringify(ds));
}

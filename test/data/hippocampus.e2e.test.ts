// The loader on real preprocessed Hippocampus cases with nnU-Net's 3d_fullres and 2d plan sizes.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureAugmentation, createBatchLoader } from '../../src/nn/data/index.js';
import { HIPPOCAMPUS, preprocessHippocampus } from './hippocampus-cases.js';

describe.skipIf(!existsSync(HIPPOCAMPUS))('data loader on Dataset004_Hippocampus', () => {
  let dir3d: string;
  let dir2d: string;
  let ids: string[];
  beforeAll(async () => {
    dir3d = await mkdtemp(join(tmpdir(), 'nnunet-hippo3d-'));
    dir2d = await mkdtemp(join(tmpdir(), 'nnunet-hippo2d-'));
    ids = await preprocessHippocampus(dir3d, 6, '3d_fullres');
    await preprocessHippocampus(dir2d, 6, '2d');
  });
  afterAll(async () => {
    await rm(dir3d, { recursive: true, force: true });
    await rm(dir2d, { recursive: true, force: true });
  });

  it('3d_fullres: batch 9 of 40x56x40 in a worker, foreground in samples 6-8, labels 0..2', async () => {
    const config = configureAugmentation([40, 56, 40]);
    expect(config.initialPatchSize).toEqual([73, 80, 64]);
    const loader = createBatchLoader({
      cases: ids.map((id) => ({ id, dir: dir3d })),
      patchSize: [40, 56, 40],
      batchSize: 9,
      oversampleForeground: 0.33,
      augment: true,
      config,
      seed: 1,
      workers: 1,
    });
    try {
      for (let k = 0; k < 3; k++) {
        const b = await loader.next();
        expect(b.dataShape).toEqual([9, 1, 40, 56, 40]);
        const n = 40 * 56 * 40;
        expect([...new Set(b.seg)].sort()).toEqual([0, 1, 2]);
        expect(b.data.every(Number.isFinite)).toBe(true);
        // forced samples are centred on a foreground voxel; augmentation may move it but rarely out of the patch
        const fg = [6, 7, 8].filter((j) => b.seg.subarray(j * n, (j + 1) * n).some((v) => v > 0)).length;
        expect(fg).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await loader.close();
    }
  });

  it('2d: validation batches of 56x40 slices from the 3D arrays', async () => {
    const loader = createBatchLoader({
      cases: ids.map((id) => ({ id, dir: dir2d })),
      patchSize: [56, 40],
      batchSize: 12,
      oversampleForeground: 0.33,
      augment: false,
      config: configureAugmentation([56, 40]),
      seed: 2,
      workers: 0,
    });
    const b = await loader.next();
    expect(b.dataShape).toEqual([12, 1, 56, 40]);
    const n = 56 * 40;
    // round(12 * 0.67) = 8: samples 8..11 are forced and, without augmentation, always hold foreground
    for (let j = 8; j < 12; j++) expect(b.seg.subarray(j * n, (j + 1) * n).some((v) => v > 0)).toBe(true);
    await loader.close();
  });
});

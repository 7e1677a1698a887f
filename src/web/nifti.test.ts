// The browser page's NIfTI reader/writer against the project's ITK reader: same voxels, spacing and geometry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readImage, readSegmentation, writeImage } from '../imaging/index.js';
import type { ImageGeometry, Shape3 } from '../imaging/volume.js';
import { readNifti, writeSegmentationNifti } from './nifti.js';

const dir = mkdtempSync(join(tmpdir(), 'nnunet-web-nifti-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shape: Shape3 = [4, 5, 6];
const n = 4 * 5 * 6;
// oblique direction, origin and anisotropic spacing: every geometry field is exercised
const c = Math.cos(0.3);
const s = Math.sin(0.3);
const geometry: ImageGeometry = { dimension: 3, itkSpacing: [0.8, 1.1, 2.5], itkOrigin: [3, -4, 5.5], itkDirection: [c, -s, 0, s, c, 0, 0, 0, -1] };

describe('browser NIfTI io', () => {
  for (const [name, float] of [['img.nii.gz', true], ['img16.nii', false]] as const) {
    it(`reads ${name} as the ITK reader does`, async () => {
      const values = Array.from({ length: n }, (_, i) => (i * 37) % 101 - 50);
      const data = float ? Float32Array.from(values, (v) => v / 4) : Int16Array.from(values);
      const file = join(dir, name);
      await writeImage(file, { data, channels: 1, shape, spacing: [2.5, 1.1, 0.8], geometry });
      const itk = await readImage([file]);
      const ours = await readNifti(new Uint8Array(readFileSync(file)), name);
      expect(ours.volume.shape).toEqual(itk.shape);
      expect(ours.volume.data).toEqual(itk.data);
      ours.volume.spacing.forEach((v, i) => expect(v).toBeCloseTo(itk.spacing[i], 5));
      ours.volume.geometry.itkOrigin.forEach((v, i) => expect(v).toBeCloseTo(itk.geometry.itkOrigin[i], 4));
      ours.volume.geometry.itkDirection.forEach((v, i) => expect(v).toBeCloseTo(itk.geometry.itkDirection[i], 5));
    });
  }

  it('writes a label map on the source header that ITK reads back with the source geometry', async () => {
    const file = join(dir, 'src.nii.gz');
    await writeImage(file, { data: new Float32Array(n), channels: 1, shape, spacing: [2.5, 1.1, 0.8], geometry });
    const source = await readNifti(new Uint8Array(readFileSync(file)), 'src.nii.gz');
    for (const [max, gz] of [[3, true], [300, false]] as const) {
      const seg = Uint16Array.from({ length: n }, (_, i) => (i * 7) % (max + 1));
      const out = join(dir, `seg${max}.nii${gz ? '.gz' : ''}`);
      writeFileSync(out, await writeSegmentationNifti(source, seg, shape, gz));
      const back = await readSegmentation(out);
      expect(Array.from(back.data)).toEqual(Array.from(seg));
      expect(back.geometry).toEqual((await readImage([file])).geometry);
    }
  });

  it('refuses truncated gzip, NaN voxels and non-NIfTI bytes with the file name', async () => {
    const file = join(dir, 'f.nii.gz');
    await writeImage(file, { data: Float32Array.from({ length: n }, (_, i) => (i === 7 ? NaN : i)), channels: 1, shape, spacing: [1, 1, 1], geometry });
    const bytes = new Uint8Array(readFileSync(file));
    await expect(readNifti(bytes, 'f.nii.gz')).rejects.toMatchObject({ code: 'IMAGE_NONFINITE', message: expect.stringContaining('f.nii.gz: voxel 7') });
    await expect(readNifti(bytes.subarray(0, bytes.length - 40), 'cut.nii.gz')).rejects.toMatchObject({ code: 'IMAGE_CORRUPT' });
    await expect(readNifti(new TextEncoder().encode('x'.repeat(400)), 'text.nii')).rejects.toMatchObject({ code: 'IMAGE_BAD_MAGIC' });
  });
});

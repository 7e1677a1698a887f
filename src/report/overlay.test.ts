import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { writeImage, writeSegmentation, type ImageGeometry, type Shape3 } from '../imaging/index.js';
import { foregroundMiddleSlice, overlayPng } from './overlay.js';

const dir = mkdtempSync(join(tmpdir(), 'report-overlay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const geometry: ImageGeometry = { dimension: 3, itkSpacing: [1, 1, 1], itkOrigin: [0, 0, 0], itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

describe('foregroundMiddleSlice', () => {
  it('is the middle of the slices holding foreground in either volume', () => {
    const shape = [10, 2, 2];
    const a = new Uint8Array(40);
    const b = new Uint8Array(40);
    a[2 * 4 + 1] = 1; // slice 2
    b[7 * 4 + 3] = 2; // slice 7
    expect(foregroundMiddleSlice(a, b, shape)).toBe(4);
    expect(foregroundMiddleSlice(new Uint8Array(40), new Uint8Array(40), shape)).toBe(5);
  });
});

describe('overlayPng', () => {
  it('draws image, reference and prediction of the foreground slice side by side', async () => {
    const shape: Shape3 = [6, 8, 10];
    const img = new Float32Array(480).map((_, i) => i % 10);
    const ref = new Uint8Array(480);
    const pred = new Uint8Array(480);
    // slice 3: reference label 1 at (row 2, col 4), prediction label 2 at (row 5, col 7)
    ref[3 * 80 + 2 * 10 + 4] = 1;
    pred[3 * 80 + 5 * 10 + 7] = 2;
    await writeImage(join(dir, 'img.nii.gz'), { data: img, channels: 1, shape, spacing: [1, 1, 1], geometry });
    await writeSegmentation(join(dir, 'ref.nii.gz'), ref, shape, geometry);
    await writeSegmentation(join(dir, 'pred.nii.gz'), pred, shape, geometry);
    const png = PNG.sync.read(await overlayPng(join(dir, 'img.nii.gz'), join(dir, 'ref.nii.gz'), join(dir, 'pred.nii.gz')));
    const k = 16; // 160 px panels for a 10-voxel-wide slice
    expect([png.width, png.height]).toEqual([3 * 10 * k + 8, 8 * k]);
    const px = (panel: number, row: number, col: number) => {
      const o = ((row * k + 1) * png.width + panel * (10 * k + 4) + col * k + 1) * 4;
      return [...png.data.subarray(o, o + 3)];
    };
    const grey = (p: number[]) => p[0] === p[1] && p[1] === p[2];
    expect(grey(px(0, 2, 4))).toBe(true);
    expect(grey(px(1, 2, 4))).toBe(false); // reference coloured
    expect(grey(px(2, 2, 4))).toBe(true);
    expect(grey(px(2, 5, 7))).toBe(false); // prediction coloured
    expect(px(1, 2, 4)).not.toEqual(px(2, 5, 7)); // labels 1 and 2 differ in colour
    expect(px(0, 0, 0)[0]).toBeLessThan(px(0, 0, 9)[0]); // intensity ramp along columns survives windowing
  });

  it('names the file whose grid differs from the image', async () => {
    await writeSegmentation(join(dir, 'small.nii.gz'), new Uint8Array(8), [2, 2, 2], geometry);
    await expect(overlayPng(join(dir, 'img.nii.gz'), join(dir, 'ref.nii.gz'), join(dir, 'small.nii.gz')))
      .rejects.toMatchObject({ code: 'REPORT_OVERLAY_SHAPE', context: { file: join(dir, 'small.nii.gz') } });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeImage } from '../../src/imaging/index.js';
import { volume } from '../../test/planning/synthetic.js';
import { analyzeCase } from './analyze-case.js';

const root = mkdtempSync(join(tmpdir(), 'cfp-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('analyzeCase (spec §2 per case)', () => {
  it('crops to the nonzero box and keeps foreground values per channel in C order', async () => {
    // 4x5x6 image, nonzero only in x 1..2, y 1..3, z 2..4 -> cropped 2x3x3; labels at three voxels
    const shape: [number, number, number] = [4, 5, 6];
    const at = (x: number, y: number, z: number) => (x * 5 + y) * 6 + z;
    const c0 = new Float32Array(120);
    const c1 = new Float32Array(120);
    const seg = new Uint8Array(120);
    for (let x = 1; x <= 2; x++) for (let y = 1; y <= 3; y++) for (let z = 2; z <= 4; z++) {
      c0[at(x, y, z)] = 100 + at(x, y, z);
      c1[at(x, y, z)] = -at(x, y, z);
    }
    seg[at(2, 3, 4)] = 2;
    seg[at(1, 1, 2)] = 1;
    seg[at(1, 2, 3)] = 1;
    const sp: [number, number, number] = [2, 0.5, 0.7];
    await writeImage(join(root, 'c_0000.nii.gz'), volume(c0, shape, sp));
    await writeImage(join(root, 'c_0001.nii.gz'), volume(c1, shape, sp));
    await writeImage(join(root, 'c.nii.gz'), volume(seg, shape, sp));
    const { summary, foreground } = await analyzeCase('c', [join(root, 'c_0000.nii.gz'), join(root, 'c_0001.nii.gz')], join(root, 'c.nii.gz'));
    expect(summary.shape_before_crop).toEqual([4, 5, 6]);
    expect(summary.shape_after_crop).toEqual([2, 3, 3]);
    expect(summary.spacing.map((s) => Number(s.toFixed(5)))).toEqual([2, 0.5, 0.7]);
    expect(summary.relative_size_after_cropping).toBe(18 / 120);
    expect(summary.num_foreground).toBe(3);
    expect(Array.from(foreground[0])).toEqual([100 + at(1, 1, 2), 100 + at(1, 2, 3), 100 + at(2, 3, 4)]);
    expect(Array.from(foreground[1])).toEqual([-at(1, 1, 2), -at(1, 2, 3), -at(2, 3, 4)]);
  });
});

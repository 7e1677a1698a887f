import { afterAll, describe, expect, it } from 'vitest';
import type { Shape3 } from '../volume.js';
import { golden, manifest } from '../testing/golden.js';
import { resampleDataOrSegToShape } from '../resample/resample.js';
import { ImagingPool } from './pool.js';
import { resampleDataOrSegToShapeParallel } from './resample-parallel.js';
import { splitRange } from './jobs.js';

const pool = new ImagingPool(3);
afterAll(() => pool.close());

describe('resampleDataOrSegToShapeParallel gives the serial result on every path', () => {
  it('warm() starts the workers', async () => {
    await pool.warm();
  });
  for (const c of Object.keys(manifest).filter((k) => k.startsWith('resample_'))) {
    const m = manifest[c];
    const forced = c.includes('forced') ? true : null;
    const orderZ = forced ? 1 : 0;
    const args = (arr: string) => {
      const a = golden(c, arr);
      return [a.data, a.shape[0], m.shape as Shape3, m.new_shape as Shape3, m.spacing, m.new_spacing] as const;
    };
    it(`${c}: data order 3 and 1, seg order 1 and 0`, async () => {
      for (const [arr, isSeg, order] of [['data', false, 3], ['data', false, 1], ['seg', true, 1], ['seg', true, 0]] as const) {
        const serial = resampleDataOrSegToShape(...args(arr), isSeg, order, orderZ, forced);
        const parallel = await resampleDataOrSegToShapeParallel(pool, ...args(arr), isSeg, order, orderZ, forced);
        expect(parallel.constructor).toBe(serial.constructor);
        expect(Array.from(parallel)).toEqual(Array.from(serial));
      }
    });
  }
  it('rejects bad arguments like the serial path', async () => {
    await expect(resampleDataOrSegToShapeParallel(pool, new Float32Array(7), 1, [2, 2, 2], [3, 3, 3], [1, 1, 1], [1, 1, 1], false, 3)).rejects.toMatchObject({ code: 'IMAGE_BAD_ARGUMENT' });
  });
});

describe('splitRange', () => {
  it('covers [0, total) in at most `parts` pieces', () => {
    expect(splitRange(10, 3)).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(splitRange(2, 5)).toEqual([[0, 1], [1, 2]]);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readImage } from './read.js';
import { decodeNpy } from './npy.js';
import { readCase, readCaseSegmentation, toFileLayout } from './read-case.js';

// nibabel's own NibabelIOWithReorient array of the file: scripts/golden/nibabel_reorient.py
const at = (f: string) => fileURLToPath(new URL(`../../../test/fixtures/imaging/reorient/${f}`, import.meta.url));

describe('readCase: a case as its reader/writer class hands it over', () => {
  it('NibabelIOWithReorient: the RAS array nibabel gives, for images and label maps; toFileLayout puts it back', async () => {
    const file = at('permuted.nii.gz');
    const want = decodeNpy(readFileSync(at('permuted.reoriented.npy')));
    const raw = await readImage([file]);
    for (const vol of [await readCase([file], 'NibabelIOWithReorient'), await readCaseSegmentation(file, 'NibabelIOWithReorient')]) {
      expect(vol.shape).toEqual(want.shape);
      expect(Array.from(vol.data)).toEqual(Array.from(want.data));
      expect(vol.geometry).toEqual(raw.geometry);
      const back = toFileLayout(vol.data, 1, vol.shape, vol.geometry, 'NibabelIOWithReorient');
      expect(back.shape).toEqual(raw.shape);
      expect(Array.from(back.data)).toEqual(Array.from(raw.data));
    }
  });

  it.each([undefined, 'SimpleITKIO', 'NibabelIO'])('%s: the file as it is, written back as it is', async (rw) => {
    const file = at('permuted.nii.gz');
    const raw = await readImage([file]);
    const vol = await readCase([file], rw);
    expect(vol).toEqual(raw);
    expect(toFileLayout(vol.data, 1, vol.shape, vol.geometry, rw)).toEqual({ data: raw.data, shape: raw.shape });
  });
});

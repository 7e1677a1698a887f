import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readImage } from './read.js';
import { decodeNpy } from './npy.js';
import { rasReorientation, reorientVolume, undoReorientation } from './reorient.js';

// nnU-Net's NibabelIOWithReorient arrays from nibabel itself: scripts/golden/nibabel_reorient.py
const at = (f: string) => fileURLToPath(new URL(`../../../test/fixtures/imaging/reorient/${f}`, import.meta.url));
const spacings = JSON.parse(readFileSync(at('reorient.json'), 'utf8')) as Record<string, number[]>;

describe.each(['las', 'permuted', 'oblique'])('NibabelIOWithReorient, %s file', (name) => {
  it('gives the network the array and spacing nibabel gives, and undoing it restores the file layout', async () => {
    const vol = await readImage([at(`${name}.nii.gz`)]);
    const r = rasReorientation(vol.geometry);
    expect(r).not.toBeNull();
    const re = reorientVolume(vol, r!);
    const want = decodeNpy(readFileSync(at(`${name}.reoriented.npy`)));
    expect(re.shape).toEqual(want.shape);
    expect(Array.from(re.data)).toEqual(Array.from(want.data));
    re.spacing.forEach((s, i) => expect(s).toBeCloseTo(spacings[name][i], 5));
    const back = undoReorientation(re.data, 1, re.shape, r!);
    expect(back.shape).toEqual(vol.shape);
    expect(Array.from(back.data)).toEqual(Array.from(vol.data));
  });
});

import { describe, expect, it } from 'vitest';
import type { Shape3 } from './volume.js';
import { golden, manifest } from './testing/golden.js';
import { cropToNonzero, pasteIntoShape, type Bbox } from './crop.js';
import { fillHoles } from './fill-holes.js';

describe('cropToNonzero matches nnU-Net crop_to_nonzero (golden)', () => {
  const m = manifest.crop;
  const data = golden('crop', 'data');
  const seg = golden('crop', 'seg');
  it('bbox, cropped data, and seg with -1 outside the filled mask', () => {
    const out = cropToNonzero(data.data as Float32Array, 2, m.shape as Shape3, seg.data);
    expect(out.bbox).toEqual(m.bbox);
    expect(out.shape).toEqual(golden('crop', 'data_cropped').shape.slice(1));
    expect(Array.from(out.data)).toEqual(Array.from(golden('crop', 'data_cropped').data));
    expect(out.seg).toBeInstanceOf(Int16Array);
    expect(Array.from(out.seg)).toEqual(Array.from(golden('crop', 'seg_cropped').data));
  });
  it('without a seg, synthesises 0 inside the mask and -1 outside', () => {
    const out = cropToNonzero(data.data as Float32Array, 2, m.shape as Shape3, null);
    expect(Array.from(out.seg)).toEqual(Array.from(golden('crop', 'seg_synth').data));
  });
  it('keeps the whole image when everything is zero', () => {
    const out = cropToNonzero(new Float32Array(24), 1, [2, 3, 4]);
    expect(out.bbox).toEqual([[0, 2], [0, 3], [0, 4]]);
    expect(Array.from(out.seg)).toEqual(new Array(24).fill(-1));
  });
});

describe('fillHoles (6-connected background not reaching the border)', () => {
  it('matches scipy binary_fill_holes on a random mask with many holes', () => {
    const out = fillHoles(golden('fill_holes', 'mask').data as Uint8Array, manifest.fill_holes.shape as Shape3);
    expect(Array.from(out)).toEqual(Array.from(golden('fill_holes', 'filled').data));
  });
  it('fills an enclosed cavity but not a tunnel to the border', () => {
    const shape: Shape3 = [5, 5, 5];
    const mask = new Uint8Array(125);
    for (let x = 1; x < 4; x++) for (let y = 1; y < 4; y++) for (let z = 1; z < 4; z++) mask[x * 25 + y * 5 + z] = 1;
    mask[2 * 25 + 2 * 5 + 2] = 0; // cavity
    expect(fillHoles(mask, shape)[62]).toBe(1);
    mask[2 * 25 + 2 * 5 + 3] = 0; // open the cavity towards z
    mask[2 * 25 + 2 * 5 + 4] = 0;
    expect(fillHoles(mask, shape)[62]).toBe(0);
  });
  it('2D data (1, H, W): every voxel touches the border along axis 0, so a ring keeps its hole (as scipy)', () => {
    const ring = Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]);
    expect(Array.from(fillHoles(ring, [1, 3, 3]))).toEqual(Array.from(ring));
  });
  it('a diagonal-only gap is still a hole (cross connectivity)', () => {
    // 2D ring in a (1, 5, 5) plane would touch the border on axis 0, so use a 3-slab
    const shape: Shape3 = [3, 4, 4];
    const mask = new Uint8Array(48).fill(1);
    mask[16 + 5] = 0;
    mask[16 + 10] = 0; // diagonal neighbour of 5, not 6-connected to the border
    const out = fillHoles(mask, shape);
    expect(out[21]).toBe(1);
    expect(out[26]).toBe(1);
  });
});

describe('pasteIntoShape', () => {
  it('inverts the crop and fills the rest per channel', () => {
    const bbox: Bbox = [[1, 2], [0, 2], [1, 3]];
    const cropped = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const out = pasteIntoShape(cropped, 2, bbox, [2, 2, 3], [1, 0]);
    expect(Array.from(out)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 3, 4, 0, 0, 0, 0, 0, 0, 0, 5, 6, 0, 7, 8]);
    expect(() => pasteIntoShape(cropped, 2, [[1, 3], [0, 2], [1, 3]], [2, 2, 3])).toThrow(expect.objectContaining({ code: 'IMAGE_BAD_ARGUMENT' }));
  });
  it('round-trips crop then paste on the golden case', () => {
    const data = golden('crop', 'data');
    const out = cropToNonzero(data.data as Float32Array, 2, manifest.crop.shape as Shape3);
    expect(Array.from(pasteIntoShape(out.data, 2, out.bbox, manifest.crop.shape as Shape3))).toEqual(Array.from(data.data));
  });
});

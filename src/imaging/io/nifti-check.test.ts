import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { checkNiftiSize, NonFiniteScanner, parseNiftiLayout, type NiftiLayout } from './nifti-check.js';
import { readImage } from './read.js';
import { writeImage } from './write.js';

/** A float block after a 352-byte header, fed to the scanner in chunks of the given sizes. */
function scan(values: Float32Array | Float64Array, littleEndian: boolean, chunkSizes: number[]): number {
  const bpv = values.BYTES_PER_ELEMENT;
  const body = Buffer.alloc(values.length * bpv);
  values.forEach((v, i) => (bpv === 4 ? (littleEndian ? body.writeFloatLE(v, i * 4) : body.writeFloatBE(v, i * 4)) : littleEndian ? body.writeDoubleLE(v, i * 8) : body.writeDoubleBE(v, i * 8)));
  const all = Buffer.concat([Buffer.alloc(352), body]);
  const layout: NiftiLayout = { version: 1, littleEndian, dims: [values.length], datatype: bpv === 4 ? 16 : 64, voxOffset: 352, dataBytes: body.length };
  const s = new NonFiniteScanner(layout, bpv);
  let at = 0;
  for (let k = 0; at < all.length; k++) {
    const size = chunkSizes[k % chunkSizes.length];
    s.push(all.subarray(at, at + size));
    at += size;
  }
  return s.firstBad;
}

describe('NonFiniteScanner (NaN/Inf found in raw bytes, any chunking)', () => {
  const values = new Float32Array(200).map((_, i) => i * 1.5 - 100);
  it.each([[[1]], [[3, 5, 7]], [[353]], [[100000]], [[350, 1, 2, 9]]])('chunks %j', (sizes) => {
    expect(scan(values, true, sizes)).toBe(-1);
    for (const [at, bad] of [[0, Number.NaN], [77, Number.POSITIVE_INFINITY], [199, Number.NEGATIVE_INFINITY]] as const) {
      const v = values.slice();
      v[at] = bad;
      expect(scan(v, true, sizes)).toBe(at);
      expect(scan(v, false, sizes)).toBe(at);
      const d = Float64Array.from(v);
      expect(scan(d, true, sizes)).toBe(at);
      expect(scan(d, false, sizes)).toBe(at);
    }
  });
  it('large finite values (exponent bits nearly all set) are not flagged', () => {
    expect(scan(Float32Array.of(3.4e38, -3.4e38, 1e-38), true, [5])).toBe(-1);
    expect(scan(Float64Array.of(1.7e308, -1.7e308), false, [3])).toBe(-1);
  });
});

describe('parseNiftiLayout', () => {
  it('reads big-endian NIfTI-1 headers', () => {
    const h = Buffer.alloc(352);
    h.writeInt32BE(348, 0);
    h.writeInt16BE(3, 40);
    [4, 5, 6].forEach((d, i) => h.writeInt16BE(d, 42 + 2 * i));
    h.writeInt16BE(4, 70);
    h.writeFloatBE(352, 108);
    h.write('n+1\0', 344, 'latin1');
    expect(parseNiftiLayout(h, 'x.nii')).toMatchObject({ version: 1, littleEndian: false, dims: [4, 5, 6], datatype: 4, dataBytes: 240 });
  });
  it('refuses a vox_offset that is NaN or negative (NaN passed the truncation check, and the data was zero-filled)', () => {
    const h = Buffer.alloc(352);
    h.writeInt32LE(348, 0);
    h.writeInt16LE(1, 40);
    h.writeInt16LE(4, 42);
    h.writeInt16LE(16, 70);
    h.write('n+1\0', 344, 'latin1');
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      h.writeFloatLE(bad, 108);
      expect(() => parseNiftiLayout(h, 'x.nii')).toThrow(/x\.nii: vox_offset = (NaN|-1|Infinity) is not a byte offset/);
    }
  });
});

describe('checkNiftiSize', () => {
  it('refuses a small gzip bomb from its header, before anything inflates it', async () => {
    const h = Buffer.alloc(352);
    h.writeInt32LE(348, 0);
    h.writeInt16LE(3, 40);
    [4096, 4096, 256].forEach((d, i) => h.writeInt16LE(d, 42 + 2 * i));
    h.writeInt16LE(4, 70);
    h.writeInt16LE(16, 72);
    h.writeFloatLE(352, 108);
    h.write('n+1\0', 344, 'latin1');
    const dir = mkdtempSync(join(tmpdir(), 'nifti-bomb-'));
    try {
      const file = join(dir, 'bomb.nii.gz');
      // 8 GiB declared; 64 MiB of zeros behind the header deflate to about 64 KiB
      writeFileSync(file, gzipSync(Buffer.concat([h, Buffer.alloc(64 * 2 ** 20)])));
      await expect(checkNiftiSize(file)).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE', message: expect.stringContaining('dims [4096, 4096, 256] declare 8.0 GiB of voxel data') });
      await expect(readImage([file])).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a .nii.gz that is not gzipped', () => {
  it('reads as the uncompressed NIfTI it is, as ITK and nnU-Net read it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nifti-plain-'));
    try {
      const packed = join(dir, 'a.nii.gz');
      await writeImage(packed, { data: Float32Array.from({ length: 60 }, (_, i) => i), channels: 1, shape: [3, 4, 5], spacing: [1, 1, 1],
        geometry: { dimension: 3, itkSpacing: [1, 1, 1], itkOrigin: [0, 0, 0], itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] } });
      const plain = join(dir, 'plain.nii.gz');
      writeFileSync(plain, gunzipSync(readFileSync(packed)));
      const v = await readImage([plain]);
      expect(v.shape).toEqual([3, 4, 5]);
      expect(Array.from(v.data)).toEqual(Array.from((await readImage([packed])).data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

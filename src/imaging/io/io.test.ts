import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readImage, readSegmentation } from './read.js';
import { writeImage, writeSegmentation } from './write.js';
import { checkNifti } from './nifti-check.js';
import { itkInstancesCached } from './itk.js';
import type { ImageGeometry, Volume } from '../volume.js';

const FIX = new URL('../../../test/fixtures/imaging/', import.meta.url).pathname;
const HIPPO = new URL('../../../../shared/datasets/Dataset004_Hippocampus/', import.meta.url).pathname;
const golden = JSON.parse(readFileSync(join(FIX, 'io-geometry.json'), 'utf8')) as Record<string, GoldenView>;
interface GoldenView {
  shape: number[];
  spacing: number[];
  itkSpacing: number[];
  itkOrigin: number[];
  itkDirection: number[];
  sum: number;
  probe: Record<string, number>;
}

const dir = mkdtempSync(join(tmpdir(), 'nnunet-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GEOM: ImageGeometry = { dimension: 3, itkSpacing: [0.5, 0.75, 2], itkOrigin: [1, -2, 3], itkDirection: [-1, 0, 0, 0, -1, 0, 0, 0, 1] };
const ramp = (n: number, f = (i: number) => i * 0.25 - 3) => Float32Array.from({ length: n }, (_, i) => f(i));

function expectGolden(vol: Volume, g: GoldenView) {
  expect(vol.shape).toEqual(g.shape);
  vol.spacing.forEach((s, i) => expect(s).toBeCloseTo(g.spacing[i], 5));
  vol.geometry.itkOrigin.forEach((s, i) => expect(s).toBeCloseTo(g.itkOrigin[i], 5));
  vol.geometry.itkDirection.forEach((s, i) => expect(s).toBeCloseTo(g.itkDirection[i], 5));
  let sum = 0;
  for (const v of vol.data) sum += v;
  expect(sum).toBeCloseTo(g.sum, 3);
  for (const [i, v] of Object.entries(g.probe)) expect(vol.data[Number(i)]).toBe(v);
}

describe('NIfTI geometry matches SimpleITK (golden, derived from nibabel)', () => {
  it('oblique affine: LPS origin, row-major direction, reversed spacing, (z,y,x) array', async () => {
    const vol = await readImage([join(FIX, 'oblique.nii.gz')]);
    expect(vol.data).toBeInstanceOf(Float32Array);
    expectGolden(vol, golden['oblique.nii.gz']);
  });
  it('applies scl_slope / scl_inter (values as nibabel get_fdata)', async () => {
    expectGolden(await readImage([join(FIX, 'scaled.nii.gz')]), golden['scaled.nii.gz']);
  });
  describe.skipIf(!existsSync(HIPPO))('real Hippocampus files', () => {
    for (const name of Object.keys(golden).filter((k) => k.startsWith('hippocampus/'))) {
      it(name, async () => {
        const file = join(HIPPO, name.slice('hippocampus/'.length));
        const vol = name.includes('labelsTr') ? await readSegmentation(file) : await readImage([file]);
        expectGolden(vol, golden[name]);
      });
    }
  });
});

describe('4D files (SimpleITKIO: the 4th axis holds the channels)', () => {
  it('reads (x, y, z, c) as c channels of (z, y, x), spacing without the 4th entry', async () => {
    const vol = await readImage([join(FIX, 'four-d.nii.gz')]);
    expect(vol.channels).toBe(2);
    expect(vol.shape).toEqual([5, 4, 3]);
    expect(vol.spacing[0]).toBe(2);
    expect(vol.spacing[2]).toBe(0.5);
    expect(vol.geometry).toMatchObject({ dimension: 3, itkOrigin: [0, 0, 0], itkDirection: [-1, 0, 0, 0, -1, 0, 0, 0, 1] });
    expect(Array.from(vol.data.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(vol.data[60]).toBe(60);
  });
});

describe('round trips', () => {
  it('itk-wasm instances are cached (its internals were found)', async () => {
    expect(await itkInstancesCached()).toBe(true);
  });
  it.each(['.nii.gz', '.nii', '.nrrd', '.mha'])('3D float32 through %s keeps data and geometry', async (ending) => {
    const vol: Volume = { data: ramp(4 * 5 * 6), channels: 1, shape: [4, 5, 6], spacing: [2, 0.75, 0.5], geometry: GEOM };
    const f = join(dir, `rt_0000${ending}`);
    await writeImage(f, vol);
    const back = await readImage([f]);
    expect(back.shape).toEqual([4, 5, 6]);
    expect(back.spacing).toEqual([2, 0.75, 0.5]);
    expect(back.geometry).toEqual(GEOM);
    expect(Array.from(back.data)).toEqual(Array.from(vol.data));
  });

  it('stacks channel files in order and checks they agree', async () => {
    const a = join(dir, 'two_0000.nii.gz');
    const b = join(dir, 'two_0001.nii.gz');
    await writeImage(a, { data: new Int16Array(24).fill(1), channels: 1, shape: [2, 3, 4], spacing: [2, 0.75, 0.5], geometry: GEOM });
    await writeImage(b, { data: new Int16Array(24).fill(7), channels: 1, shape: [2, 3, 4], spacing: [2, 0.75, 0.5], geometry: GEOM });
    const vol = await readImage([a, b]);
    expect(vol.channels).toBe(2);
    expect(vol.data.slice(22, 26)).toEqual(Float32Array.from([1, 1, 7, 7]));
    const c = join(dir, 'two_0002.nii.gz');
    await writeImage(c, { data: new Int16Array(30), channels: 1, shape: [2, 3, 5], spacing: [2, 0.75, 0.5], geometry: GEOM });
    const d = join(dir, 'two_0003.nii.gz');
    await writeImage(d, { data: new Int16Array(24), channels: 1, shape: [2, 3, 4], spacing: [2, 0.75, 0.5], geometry: { ...GEOM, itkOrigin: [5, 5, 5] } });
    const err = await readImage([a, c, d]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_CHANNEL_MISMATCH' });
    expect((err as { issues: Array<{ file: string }> }).issues.map((i) => i.file)).toEqual([c, d]);
  });

  it('segmentations are written as uint8 below 255 and uint16 from 255, geometry restored', async () => {
    const small = join(dir, 'seg_small.nii.gz');
    const big = join(dir, 'seg_big.nii.gz');
    const labels = Int16Array.from({ length: 24 }, (_, i) => i % 4);
    await writeSegmentation(small, labels, [2, 3, 4], GEOM);
    expect((await checkNifti(small)).datatype).toBe(2);
    const wide = Uint8Array.from({ length: 24 }, (_, i) => (i === 5 ? 255 : 1));
    await writeSegmentation(big, wide, [2, 3, 4], GEOM);
    expect((await checkNifti(big)).datatype).toBe(512);
    const back = await readSegmentation(small);
    expect(back.geometry).toEqual(GEOM);
    expect(Array.from(back.data)).toEqual(Array.from(labels));
    expect((await readSegmentation(big)).data[5]).toBe(255);
  });

  it('2D NIfTI: (1, H, W) with 999 x max spacing on the dummy axis, written back as 2D', async () => {
    const g2: ImageGeometry = { dimension: 2, itkSpacing: [0.5, 0.8], itkOrigin: [3, 4], itkDirection: [1, 0, 0, 1] };
    const f = join(dir, 'flat_0000.nii.gz');
    await writeImage(f, { data: ramp(15), channels: 1, shape: [1, 3, 5], spacing: [999, 0.8, 0.5], geometry: g2 });
    const vol = await readImage([f]);
    expect(vol.shape).toEqual([1, 3, 5]);
    expect(vol.spacing[0]).toBeCloseTo(999 * 0.8, 4);
    expect(vol.spacing[1]).toBeCloseTo(0.8, 6);
    expect(vol.spacing[2]).toBe(0.5);
    expect(vol.geometry.dimension).toBe(2);
    expect(vol.geometry.itkOrigin).toEqual([3, 4]);
    expect((await checkNifti(f)).dims).toEqual([5, 3]);
  });

  it('PNG grey and RGB: NaturalImage2DIO layout (C, 1, H, W), spacing (999, 1, 1)', async () => {
    const g2: ImageGeometry = { dimension: 2, itkSpacing: [1, 1], itkOrigin: [0, 0], itkDirection: [1, 0, 0, 1] };
    const rgb = Uint8Array.from({ length: 3 * 6 }, (_, i) => i * 10);
    const f = join(dir, 'rgb_0000.png');
    await writeImage(f, { data: rgb, channels: 3, shape: [1, 2, 3], spacing: [999, 1, 1], geometry: g2 });
    const vol = await readImage([f]);
    expect(vol.channels).toBe(3);
    expect(vol.shape).toEqual([1, 2, 3]);
    expect(vol.spacing).toEqual([999, 1, 1]);
    expect(Array.from(vol.data)).toEqual(Array.from(rgb));
    for (const ending of ['.png', '.bmp', '.tif']) {
      const seg = join(dir, `grey${ending}`);
      await writeSegmentation(seg, Uint8Array.from([0, 1, 2, 1, 0, 2]), [1, 2, 3], g2);
      const back = await readSegmentation(seg);
      expect(back.shape).toEqual([1, 2, 3]);
      expect(back.spacing).toEqual([999, 1, 1]);
      expect(Array.from(back.data)).toEqual([0, 1, 2, 1, 0, 2]);
    }
  });

  it('3D TIFF: spacing from the <case>.json sidecar (array order), written back with it', async () => {
    const seg = join(dir, 'stack.tif');
    const g: ImageGeometry = { dimension: 3, itkSpacing: [0.5, 0.6, 3], itkOrigin: [0, 0, 0], itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const labels = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i % 3);
    await writeSegmentation(seg, labels, [3, 4, 5], g);
    expect(JSON.parse(readFileSync(join(dir, 'stack.json'), 'utf8'))).toEqual({ spacing: [3, 0.6, 0.5] });
    const back = await readSegmentation(seg);
    expect(back.shape).toEqual([3, 4, 5]);
    expect(back.spacing).toEqual([3, 0.6, 0.5]);
    expect(Array.from(back.data)).toEqual(Array.from(labels));
    await writeImage(join(dir, 'stack_0000.tif'), { data: labels, channels: 1, shape: [3, 4, 5], spacing: [3, 0.6, 0.5], geometry: g });
    writeFileSync(join(dir, 'stack.json'), JSON.stringify({ spacing: [4, 1, 2] }));
    expect((await readImage([join(dir, 'stack_0000.tif')])).spacing).toEqual([4, 1, 2]);
  });
});

describe('bad files name the file and the problem', () => {
  const base = () => readFileSync(join(FIX, 'oblique.nii.gz'));
  const bad = (name: string, bytes: Buffer) => {
    const f = join(dir, name);
    writeFileSync(f, bytes);
    return f;
  };
  const expectCode = async (file: string, code: string) => {
    const err = await readImage([file]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, context: { file } });
    expect((err as Error).message).toContain(file);
  };

  it('truncated gzip', () => expectCode(bad('trunc.nii.gz', base().subarray(0, 200)), 'IMAGE_TRUNCATED'));
  it('not gzip at all', () => expectCode(bad('garbage.nii.gz', Buffer.from('hello world')), 'IMAGE_CORRUPT'));
  it('wrong magic', () => {
    const raw = gunzipSync(base());
    raw.write('xyz', 344, 'latin1');
    return expectCode(bad('magic.nii', raw), 'IMAGE_BAD_MAGIC');
  });
  it('dims larger than the data block', () => {
    const raw = gunzipSync(base());
    return expectCode(bad('short.nii.gz', gzipSync(raw.subarray(0, raw.length - 10))), 'IMAGE_SIZE_MISMATCH');
  });
  it('unsupported datatype; ITK aborting on it leaves later reads working', async () => {
    const raw = gunzipSync(base());
    raw.writeInt16LE(32, 70); // complex64
    await expectCode(bad('complex.nii', raw), 'IMAGE_UNSUPPORTED_DATATYPE');
    expectGolden(await readImage([join(FIX, 'oblique.nii.gz')]), golden['oblique.nii.gz']);
  });
  it.each([
    [Float32Array, 7, Number.NaN],
    [Float64Array, 23, Number.POSITIVE_INFINITY],
    [Float32Array, 0, Number.NEGATIVE_INFINITY],
  ])('non-finite voxels (%o at %i) although ITK reads them as 0', async (Ctor, at, value) => {
    const f = join(dir, `nonfinite${at}_0000.nii.gz`);
    const data = new Ctor(24).fill(1.5);
    data[at] = value;
    await writeImage(f, { data, channels: 1, shape: [2, 3, 4], spacing: [2, 0.75, 0.5], geometry: GEOM });
    const err = await readImage([f]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_NONFINITE', context: { file: f } });
    expect((err as Error).message).toContain(`voxel ${at} `);
  });
  it('non-finite voxel found across decompression chunk boundaries', async () => {
    const f = join(dir, 'nonfinite_big_0000.nii.gz');
    const data = new Float32Array(20 * 100 * 100).fill(2);
    data[150_001] = Number.NaN;
    await writeImage(f, { data, channels: 1, shape: [20, 100, 100], spacing: [2, 0.75, 0.5], geometry: GEOM });
    await expect(readImage([f])).rejects.toThrow(/voxel 150001 /);
    data[150_001] = 3;
    await writeImage(f, { data, channels: 1, shape: [20, 100, 100], spacing: [2, 0.75, 0.5], geometry: GEOM });
    expect((await readImage([f])).data[150_001]).toBe(3);
  });
  it('truncated MetaImage and NRRD files fail in ITK with a readable reason', async () => {
    for (const ending of ['.mha', '.nrrd']) {
      const f = join(dir, `cut_0000${ending}`);
      await writeImage(f, { data: ramp(8000, Math.sin), channels: 1, shape: [20, 20, 20], spacing: [2, 0.75, 0.5], geometry: GEOM });
      const whole = readFileSync(f);
      writeFileSync(f, whole.subarray(0, whole.length >> 1));
      const err = await readImage([f]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IMAGE_READ_FAILED', context: { file: f } });
      expect((err as Error).message).toMatch(/corrupt|truncat|read/i);
    }
  });
  it('a truncated TIFF stack is an error, not fewer slices (libtiff only warns); ITK says nothing on the console', async () => {
    const f = join(dir, 'stack_0000.tif');
    await writeImage(f, { data: ramp(8 * 9 * 10), channels: 1, shape: [8, 9, 10], spacing: [1, 1, 1], geometry: { ...GEOM, itkOrigin: [0, 0, 0], itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] } });
    expect((await readImage([f])).shape).toEqual([8, 9, 10]);
    writeFileSync(f, readFileSync(f).subarray(0, 2000));
    const png = bad('cut.png', Buffer.from('\x89PNG\r\n\x1a\n broken', 'latin1'));
    const printed: unknown[] = [];
    const spies = (['log', 'error', 'warn'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a) => { printed.push(a); }));
    try {
      const err = await readImage([f]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'IMAGE_READ_FAILED', context: { file: f } });
      expect((err as Error).message).toContain('truncated or corrupt TIFF');
      await expect(readImage([png])).rejects.toMatchObject({ code: 'IMAGE_READ_FAILED', context: { file: png } });
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    expect(printed).toEqual([]);
  });
  it('a 3D TIFF spacing sidecar that is not JSON names the sidecar, line and column', async () => {
    const f = join(dir, 'side_0000.tif');
    await writeImage(f, { data: ramp(2 * 3 * 4), channels: 1, shape: [2, 3, 4], spacing: [1, 1, 1], geometry: { ...GEOM, itkOrigin: [0, 0, 0], itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] } });
    writeFileSync(join(dir, 'side.json'), '{"spacing": [1, 1, 1],}');
    const err = await readImage([f]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'IMAGE_CORRUPT', context: { file: join(dir, 'side.json'), line: 1, column: 23 } });
  });
  it('missing file and unknown ending', async () => {
    await expectCode(join(dir, 'nope.nii.gz'), 'IMAGE_NOT_FOUND');
    await expectCode(join(dir, 'x.jpg2'), 'IMAGE_UNSUPPORTED_FORMAT');
  });
});

/**
 * nnU-Net's readers (spec §1.3), chosen by file ending as nnU-Net's registry would for that ending:
 * SimpleITKIO (.nii.gz .nii .nrrd .nhdr .mha .mhd .gipl), NaturalImage2DIO (.png .bmp, and .tif files that
 * are 2D), Tiff3DIO (.tiff, and .tif files that are 3D; spacing from the `<case>.json` sidecar).
 * Everything is returned as float32 (C, s0, s1, s2), spacing in array order, as nnU-Net holds it.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Issue } from '../../engine/errors.js';
import { ImageError } from '../errors.js';
import type { ImageGeometry, Shape3, Volume } from '../volume.js';
import { checkNifti, checkNiftiSize } from './nifti-check.js';
import { itkRead, type ItkRaw } from './itk.js';
import { jsonErrorPosition } from '../../util/json-position.js';

export type ReaderKind = 'simpleitk' | 'natural2d' | 'tif' | 'tiff3d';

const ENDINGS: Array<[string, ReaderKind]> = [
  ['.nii.gz', 'simpleitk'],
  ['.nii', 'simpleitk'],
  ['.nrrd', 'simpleitk'],
  ['.nhdr', 'simpleitk'],
  ['.mha', 'simpleitk'],
  ['.mhd', 'simpleitk'],
  ['.gipl', 'simpleitk'],
  ['.png', 'natural2d'],
  ['.bmp', 'natural2d'],
  ['.tif', 'tif'],
  ['.tiff', 'tiff3d'],
];

/** Whether a reader is registered for the file's ending (.nii.gz, .nrrd, .png, ...). */
export const isImageFile = (file: string): boolean => ENDINGS.some(([e]) => file.toLowerCase().endsWith(e));

/** The file ending nnU-Net would see in dataset.json (longest match, case-insensitive), and its reader. */
export function readerFor(file: string): { ending: string; kind: ReaderKind } {
  const lower = file.toLowerCase();
  const hit = ENDINGS.find(([e]) => lower.endsWith(e));
  if (!hit) {
    throw new ImageError('IMAGE_UNSUPPORTED_FORMAT', `${file}: unsupported file ending (supported: ${ENDINGS.map(([e]) => e).join(' ')})`, { file });
  }
  return { ending: file.slice(file.length - hit[0].length), kind: hit[1] };
}

/** One file as nnU-Net holds it, before channels are stacked. */
interface Planar {
  data: Float32Array;
  channels: number;
  shape: Shape3;
  spacing: Shape3;
  geometry: ImageGeometry;
}

const IDENTITY_2D = [1, 0, 0, 1];
const IDENTITY_3D = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** De-interleaves components into channels and casts to float32, refusing NaN/Inf voxels. */
function toPlanarFloat32(file: string, raw: ItkRaw): Float32Array {
  const c = raw.components;
  const src = raw.data;
  const n = src.length / c;
  const out = src instanceof Float32Array && c === 1 ? src : new Float32Array(src.length);
  if (out !== src) {
    if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[k * n + i] = Number(src[i * c + k]);
    } else if (c === 1) {
      out.set(src);
    } else {
      for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[k * n + i] = src[i * c + k];
    }
  }
  if (src instanceof Float32Array || src instanceof Float64Array) {
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i])) {
        throw new ImageError('IMAGE_NONFINITE', `${file}: voxel ${i} is ${out[i]} (NaN/Inf voxels are not allowed)`, { file });
      }
    }
  }
  return out;
}

function simpleItk(file: string, raw: ItkRaw): Planar {
  if (raw.components !== 1) {
    throw new ImageError('IMAGE_UNSUPPORTED_PIXEL', `${file}: ${raw.components}-component pixels; nnU-Net expects one file per channel`, { file });
  }
  const sp = raw.spacing.map(Math.abs);
  const geometry: ImageGeometry = {
    dimension: raw.dimension === 2 ? 2 : 3,
    itkSpacing: raw.spacing.slice(0, 3),
    itkOrigin: raw.origin.slice(0, 3),
    itkDirection: raw.direction,
  };
  if (raw.dimension === 2) {
    const [w, h] = raw.size;
    return { data: toPlanarFloat32(file, raw), channels: 1, shape: [1, h, w], spacing: [999 * Math.max(sp[0], sp[1]), sp[1], sp[0]], geometry };
  }
  if (raw.dimension === 3 || raw.dimension === 4) {
    const [x, y, z] = raw.size;
    if (raw.dimension === 4) {
      // SimpleITKIO: a 4D file holds the channels along its 4th axis; the writer keeps the 3D geometry
      const d = raw.direction;
      geometry.itkDirection = [d[0], d[1], d[2], d[4], d[5], d[6], d[8], d[9], d[10]];
    }
    return { data: toPlanarFloat32(file, raw), channels: raw.size[3] ?? 1, shape: [z, y, x], spacing: [sp[2], sp[1], sp[0]], geometry };
  }
  throw new ImageError('IMAGE_UNSUPPORTED_DIMENSION', `${file}: ${raw.dimension}D images are not supported (2D, 3D or 4D)`, { file });
}

function natural2d(file: string, raw: ItkRaw): Planar {
  if (raw.components !== 1 && raw.components !== 3 && raw.components !== 4) {
    throw new ImageError('IMAGE_UNSUPPORTED_PIXEL', `${file}: ${raw.components} components; 2D images must be grey, RGB or RGBA`, { file });
  }
  const [w, h] = raw.size;
  const geometry: ImageGeometry = { dimension: 2, itkSpacing: [1, 1], itkOrigin: [0, 0], itkDirection: IDENTITY_2D };
  const data = toPlanarFloat32(file, raw);
  if (greyPaletteBmp(file, data, raw.components)) return { data: data.slice(0, w * h), channels: 1, shape: [1, h, w], spacing: [999, 1, 1], geometry };
  return { data, channels: raw.components, shape: [1, h, w], spacing: [999, 1, 1], geometry };
}

/**
 * ITK expands an 8-bit palette BMP to RGB; PIL (skimage.io, nnU-Net's NaturalImage2DIO) reads one with a grey
 * palette as a single grey channel. Palette files whose expansion is grey everywhere are taken as grey.
 */
function greyPaletteBmp(file: string, planar: Float32Array, components: number): boolean {
  if (components !== 3 || !file.toLowerCase().endsWith('.bmp')) return false;
  const header = Buffer.alloc(30);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 30, 0);
  } finally {
    closeSync(fd);
  }
  if (header.readUInt16LE(28) > 8) return false;
  const n = planar.length / 3;
  for (let i = 0; i < n; i++) if (planar[i] !== planar[n + i] || planar[i] !== planar[2 * n + i]) return false;
  return true;
}

function tiff3d(file: string, raw: ItkRaw, sidecar: string | undefined): Planar {
  if (raw.dimension !== 3 || raw.components !== 1) {
    throw new ImageError('IMAGE_UNSUPPORTED_DIMENSION', `${file}: the 3D TIFF reader needs a single-channel 3D stack`, { file });
  }
  let spacing: Shape3 = [1, 1, 1];
  if (sidecar && existsSync(sidecar)) {
    const text = readFileSync(sidecar, 'utf8');
    let parsed: { spacing?: unknown } | null;
    try {
      parsed = JSON.parse(text) as { spacing?: unknown } | null;
    } catch (cause) {
      const { line, column } = jsonErrorPosition(text, cause);
      throw new ImageError('IMAGE_CORRUPT', `${sidecar}:${line}:${column}: the spacing file of ${file} is not valid JSON (${(cause as Error).message})`,
        { file: sidecar, line, column }, { cause });
    }
    const s = parsed?.spacing;
    if (!Array.isArray(s) || s.length !== 3 || !s.every((v) => typeof v === 'number' && v > 0)) {
      throw new ImageError('IMAGE_CORRUPT', `${sidecar}: "spacing" must be a list of 3 positive numbers`, { file: sidecar });
    }
    spacing = s as Shape3;
  }
  const [x, y, z] = raw.size;
  // Tiff3DIO spacing is in array order; the geometry keeps ITK's file order like every other reader
  const geometry: ImageGeometry = { dimension: 3, itkSpacing: [spacing[2], spacing[1], spacing[0]], itkOrigin: [0, 0, 0], itkDirection: IDENTITY_3D };
  return { data: toPlanarFloat32(file, raw), channels: 1, shape: [z, y, x], spacing, geometry };
}

/** `sidecar` is Tiff3DIO's spacing file (`tiffSpacingFile`). */
async function readOne(file: string, sidecar: string | undefined): Promise<Planar> {
  const { kind } = readerFor(file);
  if (!existsSync(file)) throw new ImageError('IMAGE_NOT_FOUND', `${file}: no such file`, { file });
  // a folder or FIFO named like an image would fail deep in a reader without its name, or wait forever
  if (!statSync(file).isFile()) throw new ImageError('IMAGE_NOT_A_FILE', `${file}: not a regular file (a folder, FIFO or device)`, { file });
  // the header first: a small gzip bomb declaring gigabytes is refused before anything inflates it
  const nifti = /\.nii(\.gz)?$/i.test(file) ? await checkNiftiSize(file) : undefined;
  // the check streams through node:zlib on the libuv pool while ITK decodes on this thread; its verdict wins
  const check = nifti ? checkNifti(file, nifti.gz) : Promise.resolve();
  const [checked, read] = await Promise.allSettled([check, itkRead(file)]);
  if (checked.status === 'rejected') throw checked.reason;
  if (read.status === 'rejected') throw read.reason;
  const raw = read.value;
  if (kind === 'simpleitk') return simpleItk(file, raw);
  if (kind === 'natural2d' || (kind === 'tif' && raw.dimension === 2)) return natural2d(file, raw);
  return tiff3d(file, raw, sidecar);
}

const close = (a: number[], b: number[], tol: number) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tol);

function checkAgreement(files: string[], parts: Planar[]): void {
  const issues: Issue[] = [];
  const ref = parts[0];
  parts.forEach((p, i) => {
    const mismatch = (what: string, a: number[], b: number[]) =>
      issues.push({ code: 'IMAGE_CHANNEL_MISMATCH', file: files[i], message: `${files[i]}: ${what} [${b.join(', ')}] differs from ${files[0]}'s [${a.join(', ')}]` });
    if (!close(ref.shape, p.shape, 0)) mismatch('shape', ref.shape, p.shape);
    else if (!close(ref.spacing, p.spacing, 0)) mismatch('spacing', ref.spacing, p.spacing);
    else if (!close(ref.geometry.itkOrigin, p.geometry.itkOrigin, 1e-4)) mismatch('origin', ref.geometry.itkOrigin, p.geometry.itkOrigin);
    else if (!close(ref.geometry.itkDirection, p.geometry.itkDirection, 1e-5)) mismatch('direction', ref.geometry.itkDirection, p.geometry.itkDirection);
  });
  if (issues.length > 0) {
    throw new ImageError('IMAGE_CHANNEL_MISMATCH', issues.map((i) => i.message).join('\n'), { file: issues[0].file }, { issues });
  }
}

/**
 * Tiff3DIO's spacing file: `<case>.json` beside the image (the channel suffix `_XXXX` dropped) or the label; without
 * it the spacing is 1 x 1 x 1. Undefined for files no TIFF reader reads.
 */
export function tiffSpacingFile(file: string, role: 'image' | 'label'): string | undefined {
  const { ending, kind } = readerFor(file);
  if (kind !== 'tif' && kind !== 'tiff3d') return undefined;
  return `${file.slice(0, file.length - ending.length - (role === 'image' ? 5 : 0))}.json`;
}

/** Reads one case's channel files (`_0000`, `_0001`, ...) into one float32 volume, channels stacked in order. */
export async function readImage(files: string[]): Promise<Volume<Float32Array>> {
  if (files.length === 0) throw new ImageError('IMAGE_BAD_ARGUMENT', 'readImage needs at least one file');
  const parts: Planar[] = [];
  for (const f of files) parts.push(await readOne(f, tiffSpacingFile(f, 'image')));
  checkAgreement(files, parts);
  const channels = parts.reduce((a, p) => a + p.channels, 0);
  let data = parts[0].data;
  if (parts.length > 1) {
    data = new Float32Array(channels * parts[0].data.length / parts[0].channels);
    let offset = 0;
    for (const p of parts) {
      data.set(p.data, offset);
      offset += p.data.length;
    }
  }
  const { shape, spacing, geometry } = parts[0];
  return { data, channels, shape, spacing, geometry };
}

/** Reads a label map (one channel, float32 as nnU-Net reads it; callers cast). */
export async function readSegmentation(file: string): Promise<Volume<Float32Array>> {
  const p = await readOne(file, tiffSpacingFile(file, 'label'));
  if (p.channels !== 1) {
    throw new ImageError('IMAGE_UNSUPPORTED_PIXEL', `${file}: a segmentation must have one channel, this file has ${p.channels}`, { file });
  }
  return p;
}

/**
 * Structural validation of NIfTI-1/-2 files before ITK reads them. ITK (and so SimpleITK and itk-wasm)
 * silently accepts a truncated gzip stream or a data block shorter than the header's dims and zero-fills;
 * we refuse such files with an error naming the file and the problem.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
import { ImageError } from '../errors.js';
import { parseNiftiLayout, SUPPORTED_DATATYPES, type NiftiLayout } from './nifti-header.js';

export { parseNiftiLayout, type NiftiLayout } from './nifti-header.js';

const HEADER_BYTES = 540;
/** Files up to this size are read and inflated whole. */
const WHOLE_FILE_BYTES = 8 * 2 ** 20;
const gunzipAsync = promisify(gunzip);

/**
 * Voxel data ITK can decode: itk-wasm runs in 32-bit WebAssembly (4 GiB of memory at most) and holds the file's
 * bytes beside the decoded image. Larger is refused from the header, before a small gzip bomb inflates gigabytes.
 */
export const MAX_NIFTI_DATA_BYTES = 2 * 2 ** 30;

/**
 * Whether the file is gzip data, by its magic bytes rather than its name: ITK (zlib's gzread) reads an uncompressed
 * NIfTI named .nii.gz as it is, and so does nnU-Net.
 */
async function isGzipped(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch(() => undefined);
  // unreadable: the name decides, and the full check names the problem
  if (!fh) return file.toLowerCase().endsWith('.gz');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** The header of a .nii or .nii.gz, from its first bytes only (inflating no more than them). */
export async function niftiHeaderLayout(file: string, gz: boolean): Promise<NiftiLayout> {
  const source = createReadStream(file, gz ? {} : { end: HEADER_BYTES - 1 });
  const chunks: Buffer[] = [];
  let held = 0;
  try {
    for await (const chunk of gz ? source.pipe(createGunzip()) : source) {
      chunks.push(chunk as Buffer);
      held += (chunk as Buffer).length;
      if (held >= HEADER_BYTES) break;
    }
  } catch {
    // a damaged stream: the full check names the problem
  } finally {
    source.destroy();
  }
  return parseNiftiLayout(Buffer.concat(chunks), file);
}

/**
 * Throws unless the header declares voxel data ITK can hold (a header that does not parse is the full check's to name).
 * Returns whether the file is gzip data, for checkNifti.
 */
export async function checkNiftiSize(file: string): Promise<{ gz: boolean }> {
  const gz = await isGzipped(file);
  const layout = await niftiHeaderLayout(file, gz).catch(() => undefined);
  if (!layout) return { gz };
  const { dims, dataBytes } = layout;
  if (dataBytes > MAX_NIFTI_DATA_BYTES) {
    throw new ImageError('IMAGE_TOO_LARGE', `${file}: dims [${dims.join(', ')}] declare ${(dataBytes / 2 ** 30).toFixed(1)} GiB of voxel data; `
      + `images over ${MAX_NIFTI_DATA_BYTES / 2 ** 30} GiB cannot be read (ITK's WebAssembly memory is 4 GiB)`, { file });
  }
  return { gz };
}

/**
 * Finds the first NaN/Inf voxel of a float data block fed in arbitrary chunks, by its exponent bits, without
 * decoding: ITK's reader replaces non-finite voxels by 0, so they must be caught on the raw bytes.
 */
export class NonFiniteScanner {
  private pos = 0;
  private readonly part: Uint8Array;
  private partLen = 0;
  private voxel = 0;
  private readonly hi: number;
  private readonly next: number;
  private readonly nextMask: number;
  firstBad = -1;

  constructor(private readonly layout: NiftiLayout, private readonly bytesPerVoxel: number) {
    this.part = new Uint8Array(bytesPerVoxel);
    this.hi = layout.littleEndian ? bytesPerVoxel - 1 : 0;
    this.next = layout.littleEndian ? bytesPerVoxel - 2 : 1;
    this.nextMask = bytesPerVoxel === 4 ? 0x80 : 0xf0;
  }

  private bad(h: number, n: number): boolean {
    return (h & 0x7f) === 0x7f && (n & this.nextMask) === this.nextMask;
  }

  push(buf: Uint8Array): void {
    const nvox = this.layout.dataBytes / this.bytesPerVoxel;
    let i = Math.min(buf.length, Math.max(0, this.layout.voxOffset - this.pos));
    this.pos += buf.length;
    const bpv = this.bytesPerVoxel;
    while (this.partLen > 0 && i < buf.length) {
      this.part[this.partLen++] = buf[i++];
      if (this.partLen === bpv) {
        this.partLen = 0;
        if (this.firstBad < 0 && this.voxel < nvox && this.bad(this.part[this.hi], this.part[this.next])) this.firstBad = this.voxel;
        this.voxel++;
      }
    }
    for (; i + bpv <= buf.length && this.voxel < nvox; i += bpv, this.voxel++) {
      if (this.bad(buf[i + this.hi], buf[i + this.next])) {
        if (this.firstBad < 0) this.firstBad = this.voxel;
        break;
      }
    }
    while (i < buf.length && this.voxel < nvox && this.firstBad < 0) this.part[this.partLen++] = buf[i++];
  }
}

/** Streams the (decompressed) file once: header, total length, first non-finite float voxel. */
async function scan(file: string, gz: boolean): Promise<{ layout: NiftiLayout; length: number; firstNonFinite: number }> {
  const head: Buffer[] = [];
  let held = 0;
  let length = 0;
  let layout: NiftiLayout | undefined;
  let scanner: NonFiniteScanner | undefined;
  const start = () => {
    const all = Buffer.concat(head);
    try {
      layout = parseNiftiLayout(all, file);
    } catch (err) {
      // named .gz without gzip's magic: the NIfTI it might have been is not there either
      if (gz || !file.toLowerCase().endsWith('.gz') || !(err instanceof ImageError)) throw err;
      throw new ImageError('IMAGE_CORRUPT', `${file}: neither gzip data nor an uncompressed NIfTI (${err.message.replace(`${file}: `, '')})`, { file }, { cause: err });
    }
    const bits = SUPPORTED_DATATYPES.get(layout.datatype)!;
    if (layout.datatype === 16 || layout.datatype === 64) scanner = new NonFiniteScanner(layout, bits / 8);
    scanner?.push(all);
  };
  const consume = (buf: Buffer) => {
    length += buf.length;
    if (layout) {
      scanner?.push(buf);
    } else {
      head.push(buf);
      held += buf.length;
      if (held >= HEADER_BYTES) start();
    }
  };
  try {
    // small files in one read (streams cost more than the data); big ones streamed to bound memory
    if ((await stat(file)).size <= WHOLE_FILE_BYTES) {
      const bytes = await readFile(file);
      consume(gz ? await gunzipAsync(bytes) : bytes);
    } else {
      const source = createReadStream(file);
      try {
        for await (const chunk of gz ? source.pipe(createGunzip()) : source) consume(chunk as Buffer);
      } finally {
        source.destroy();
      }
    }
  } catch (err) {
    if (err instanceof ImageError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new ImageError('IMAGE_NOT_FOUND', `${file}: no such file`, { file }, { cause: err });
    if (e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message)) {
      throw new ImageError('IMAGE_TRUNCATED', `${file}: truncated gzip stream (the file ends early)`, { file }, { cause: err });
    }
    throw new ImageError('IMAGE_CORRUPT', `${file}: not a valid gzip stream (${e.message})`, { file }, { cause: err });
  }
  if (!layout) start();
  return { layout: layout!, length, firstNonFinite: scanner?.firstBad ?? -1 };
}

/** Throws an ImageError unless `file` is a complete, readable single-file NIfTI (.nii or .nii.gz) of finite voxels. */
export async function checkNifti(file: string, gz?: boolean): Promise<NiftiLayout> {
  const { layout, length, firstNonFinite } = await scan(file, gz ?? await isGzipped(file));
  const needed = layout.voxOffset + layout.dataBytes;
  if (length < needed) {
    throw new ImageError(
      'IMAGE_SIZE_MISMATCH',
      `${file}: dims [${layout.dims.join(', ')}] need ${layout.dataBytes} data bytes from offset ${layout.voxOffset}, but the file holds ${Math.max(0, length - layout.voxOffset)}`,
      { file },
    );
  }
  if (firstNonFinite >= 0) {
    throw new ImageError('IMAGE_NONFINITE', `${file}: voxel ${firstNonFinite} is NaN or Inf (non-finite voxels are not allowed)`, { file });
  }
  return layout;
}

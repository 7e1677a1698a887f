/**
 * The NIfTI-1/-2 header fields that decide whether and how the data block is read. Pure (no Node APIs): the
 * file check (nifti-check.ts) and the browser page's reader (src/web/nifti.ts) share it.
 */
import { ImageError } from '../errors.js';

/** NIfTI datatype code -> bits per voxel, for the scalar types ITK maps onto a numeric array. */
export const SUPPORTED_DATATYPES = new Map<number, number>([
  [2, 8], // uint8
  [4, 16], // int16
  [8, 32], // int32
  [16, 32], // float32
  [64, 64], // float64
  [256, 8], // int8
  [512, 16], // uint16
  [768, 32], // uint32
  [1024, 64], // int64
  [1280, 64], // uint64
]);

const DATATYPE_NAMES: Record<number, string> = {
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'RGB24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

export interface NiftiLayout {
  version: 1 | 2;
  littleEndian: boolean;
  dims: number[];
  datatype: number;
  voxOffset: number;
  /** bytes after the header, extensions and the data block */
  dataBytes: number;
}

/** Parses the header fields that decide whether the data block is readable. Pure, for tests. */
export function parseNiftiLayout(head: Uint8Array, file: string): NiftiLayout {
  const fail = (code: string, msg: string): never => {
    throw new ImageError(code, `${file}: ${msg}`, { file });
  };
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length < 348) fail('IMAGE_TRUNCATED', `only ${head.length} bytes, a NIfTI header needs 348`);
  let version: 1 | 2 | undefined;
  let littleEndian = true;
  for (const le of [true, false]) {
    const size = view.getInt32(0, le);
    if (size === 348) version = 1;
    if (size === 540) version = 2;
    if (version) {
      littleEndian = le;
      break;
    }
  }
  if (!version) return fail('IMAGE_BAD_MAGIC', 'not a NIfTI file (sizeof_hdr is neither 348 nor 540)');
  if (version === 2 && head.length < 540) fail('IMAGE_TRUNCATED', `only ${head.length} bytes, a NIfTI-2 header needs 540`);
  const magic = String.fromCharCode(...head.subarray(version === 1 ? 344 : 4, version === 1 ? 347 : 7));
  if (magic !== 'n+1' && magic !== 'n+2') {
    fail('IMAGE_BAD_MAGIC', `bad NIfTI magic ${JSON.stringify(magic)} (expected "n+1" or "n+2"; Analyze and .hdr/.img pairs are not supported)`);
  }
  const i16 = (o: number) => view.getInt16(o, littleEndian);
  const i64 = (o: number) => Number(view.getBigInt64(o, littleEndian));
  const f32 = (o: number) => view.getFloat32(o, littleEndian);
  const dims: number[] = [];
  const ndim = version === 1 ? i16(40) : i64(16);
  if (ndim < 1 || ndim > 7) fail('IMAGE_CORRUPT', `dim[0] = ${ndim} is outside 1..7`);
  for (let i = 1; i <= ndim; i++) {
    const d = version === 1 ? i16(40 + 2 * i) : i64(16 + 8 * i);
    if (d < 1) fail('IMAGE_CORRUPT', `dim[${i}] = ${d} must be at least 1`);
    dims.push(d);
  }
  const datatype = version === 1 ? i16(70) : i16(12);
  const bits = SUPPORTED_DATATYPES.get(datatype);
  if (bits === undefined) {
    fail('IMAGE_UNSUPPORTED_DATATYPE', `unsupported NIfTI datatype ${datatype}${DATATYPE_NAMES[datatype] ? ` (${DATATYPE_NAMES[datatype]})` : ''}`);
  }
  const voxOffset = version === 1 ? f32(108) : i64(168);
  // NaN would pass every size comparison below, and a truncated file would be read zero-filled
  if (!Number.isFinite(voxOffset) || voxOffset < 0) fail('IMAGE_CORRUPT', `vox_offset = ${voxOffset} is not a byte offset`);
  const dataBytes = (dims.reduce((a, b) => a * b, 1) * bits!) / 8;
  return { version, littleEndian, dims, datatype, voxOffset: Math.max(voxOffset, version === 1 ? 352 : 544), dataBytes };
}


/**
 * NumPy `.npy` (format 1.0/2.0) read and write, so preprocessed arrays open with `np.load` in Python,
 * exactly as nnU-Net's own preprocessed files do.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { VoxelArray } from '../volume.js';
import { NnunetError } from '../../engine/errors.js';

const DESCR: Array<[string, new (n: number) => VoxelArray]> = [
  ['<f4', Float32Array],
  ['<f8', Float64Array],
  ['|i1', Int8Array],
  ['|u1', Uint8Array],
  ['<i2', Int16Array],
  ['<u2', Uint16Array],
  ['<i4', Int32Array],
  ['<u4', Uint32Array],
];

export interface NpyArray<T extends VoxelArray = VoxelArray> {
  data: T;
  shape: number[];
}

function descrOf(data: VoxelArray): string {
  const found = DESCR.find(([, ctor]) => data instanceof ctor);
  if (!found) throw new NnunetError('NPY_DTYPE', `unsupported typed array ${data.constructor.name}`);
  return found[0];
}

export function encodeNpy(data: VoxelArray, shape: readonly number[]): Buffer {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) {
    throw new NnunetError('NPY_SHAPE', `shape [${shape.join(', ')}] holds ${n} values but the array has ${data.length}`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const preamble = 10;
  const pad = 64 - ((preamble + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const out = Buffer.alloc(preamble + header.length + data.byteLength);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, preamble, 'latin1');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, preamble + header.length);
  return out;
}

export function decodeNpy(buf: Buffer, file = '<buffer>'): NpyArray {
  const fail = (msg: string): never => {
    throw new NnunetError('NPY_INVALID', `${file}: ${msg}`, { file });
  };
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') fail('not a .npy file (bad magic)');
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) fail(`unreadable header ${JSON.stringify(header)}`);
  if (fortran === 'True') fail('fortran_order arrays are not supported');
  const ctor = DESCR.find(([d]) => d === descr)?.[1] ?? fail(`unsupported dtype ${descr}`);
  const shape = shapeText!.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const bytes = n * (new ctor(0) as VoxelArray).BYTES_PER_ELEMENT;
  if (buf.length - offset < bytes) fail(`truncated: needs ${bytes} data bytes, has ${buf.length - offset}`);
  // copy so the array is aligned and independent of the file buffer
  const data = new ctor(n);
  Buffer.from(data.buffer).set(buf.subarray(offset, offset + bytes));
  return { data, shape };
}

export async function readNpy(file: string): Promise<NpyArray> {
  return decodeNpy(await readFile(file), file);
}

export async function writeNpy(file: string, data: VoxelArray, shape: readonly number[]): Promise<void> {
  await writeFile(file, encodeNpy(data, shape));
}

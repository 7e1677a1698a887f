/**
 * numpy .npz archives (a zip of .npy members), for nnU-Net-compatible probability files: written uncompressed
 * (np.load reads both), read stored or deflated (np.savez_compressed output from nnU-Net itself).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import { NnunetError } from '../../engine/errors.js';
import { decodeNpy, encodeNpy, type NpyArray } from '../../imaging/io/npy.js';

export async function writeNpz(file: string, members: Record<string, NpyArray>): Promise<void> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [key, arr] of Object.entries(members)) {
    const name = Buffer.from(`${key}.npy`);
    const data = encodeNpy(arr.data, arr.shape);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const centralSize = centrals.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  await writeFile(file, Buffer.concat([...locals, ...centrals, end]));
}

export async function readNpz(file: string): Promise<Record<string, NpyArray>> {
  const buf = await readFile(file);
  const bad = (why: string) => new NnunetError('NPZ_INVALID', `${file}: not a readable .npz archive (${why})`, { file });
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw bad('no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: Record<string, NpyArray> = {};
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw bad('corrupt central directory');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localAt = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    if (compressed === 0xffffffff) throw bad('zip64 members are not supported');
    const dataAt = localAt + 30 + buf.readUInt16LE(localAt + 26) + buf.readUInt16LE(localAt + 28);
    const raw = buf.subarray(dataAt, dataAt + compressed);
    if (method !== 0 && method !== 8) throw bad(`compression method ${method}`);
    const bytes = method === 8 ? inflateRawSync(raw) : raw;
    out[name.replace(/\.npy$/, '')] = decodeNpy(bytes, `${file}:${name}`);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

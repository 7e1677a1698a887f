/**
 * Minimal zip archives: written uncompressed (stored), read stored or deflated. Enough for numpy's .npz files,
 * exported model archives and PyTorch's .pth (zip64 on read, member data aligned on write as torch.save does).
 * Reading is bounded: every offset and length is checked against the file, deflated members inflate to at most
 * their declared size (no zip bombs), CRCs are verified. Callers that know what an archive holds also bound the
 * compression ratio and skip members they do not need.
 */
import { writeFile } from 'node:fs/promises';
import { MAX_READ_BYTES, readBounded, UnreadableFileError } from '../../util/read-bounded.js';
import { crc32, inflateRawSync } from 'node:zlib';
import { NnunetError } from '../../engine/errors.js';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const END64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
/** what deflated members may inflate to, all together: far above any real model archive, far below a zip bomb's */
const MAX_INFLATED_BYTES = 2 * 1024 ** 3;

export interface ZipWriteOptions {
  /** start every member's data at a multiple of this many bytes (torch.save uses 64), padding the extra field */
  align?: number;
}

export function zipBuffer(members: ReadonlyArray<{ name: string; data: Buffer }>, file: string, opts: ZipWriteOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name: n, data } of members) {
    const name = Buffer.from(n);
    if (data.length >= 0xffffffff || offset >= 0xffffffff) throw new NnunetError('ZIP_TOO_LARGE', `${file}: members over 4 GiB need zip64`, { file });
    const crc = crc32(data);
    const align = opts.align ?? 1;
    // an extra field needs at least its 4-byte header, so the padding is 0 or >= 4
    let pad = (align - ((offset + 30 + name.length) % align)) % align;
    if (pad > 0 && pad < 4) pad += align;
    const extra = Buffer.alloc(pad);
    if (pad > 0) {
      extra.writeUInt16LE(0x4246, 0); // 'FB', the id PyTorch's writer pads with
      extra.writeUInt16LE(pad - 4, 2);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(pad, 28);
    parts.push(local, name, extra, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + pad + data.length;
  }
  const centralSize = centrals.reduce((a, b) => a + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...centrals, end]);
}

export async function writeZip(file: string, members: ReadonlyArray<{ name: string; data: Buffer }>, opts: ZipWriteOptions = {}): Promise<void> {
  await writeFile(file, zipBuffer(members, file, opts));
}

export interface ZipReadOptions {
  /** refuse a deflated member that inflates to more than this many times its compressed size (and over 1 MiB) */
  maxRatio?: number;
  /** members to leave out, unread and uninflated */
  skip?(name: string): boolean;
}

/** Members by name, in archive order. */
export async function readZip(file: string, opts: ZipReadOptions = {}): Promise<Map<string, Buffer>> {
  let buf: Buffer;
  try {
    buf = await readBounded(file, MAX_READ_BYTES);
  } catch (cause) {
    if (cause instanceof UnreadableFileError) throw new NnunetError('ZIP_UNREADABLE', `${file}: cannot read the archive (${cause.message})`, { file }, { cause });
    throw cause;
  }
  return unzipBuffer(buf, file, opts);
}

export function unzipBuffer(buf: Buffer, file: string, opts: ZipReadOptions = {}): Map<string, Buffer> {
  const bad = (why: string) => new NnunetError('ZIP_INVALID', `${file}: not a readable zip archive (${why})`, { file });
  const need = (at: number, n: number, what: string) => {
    if (!(at >= 0 && at + n <= buf.length)) throw bad(`${what} lies outside the file`);
  };
  const u64 = (at: number) => {
    need(at, 8, 'a zip64 field');
    const v = buf.readBigUInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('zip64 value too large');
    return Number(v);
  };
  // the end record is in the last 22 + 65535 (comment) bytes
  const tail = Math.max(0, buf.length - 22 - 0xffff);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < tail || eocd + 22 > buf.length) throw bad('no end of central directory');
  let count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if ((count === 0xffff || p === 0xffffffff) && eocd >= 20 && buf.readUInt32LE(eocd - 20) === END64_LOCATOR) {
    const at = u64(eocd - 20 + 8);
    need(at, 56, 'the zip64 end record');
    if (buf.readUInt32LE(at) !== END64) throw bad('corrupt zip64 end record');
    count = u64(at + 32);
    p = u64(at + 48);
  }
  const out = new Map<string, Buffer>();
  let inflated = 0;
  for (let i = 0; i < count; i++) {
    need(p, 46, 'the central directory');
    if (buf.readUInt32LE(p) !== CENTRAL) throw bad('corrupt central directory');
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    let compressed = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localAt = buf.readUInt32LE(p + 42);
    need(p + 46, nameLen + extraLen, 'a member name');
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // zip64: the extra field holds, in this order, whichever of the three 32-bit fields are saturated
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === ZIP64_EXTRA) {
        let f = e + 4;
        if (size === 0xffffffff) { size = u64(f); f += 8; }
        if (compressed === 0xffffffff) { compressed = u64(f); f += 8; }
        if (localAt === 0xffffffff) localAt = u64(f);
      }
      e += 4 + len;
    }
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (opts.skip?.(name)) {
      p = next;
      continue;
    }
    if (method !== 0 && method !== 8) throw bad(`compression method ${method} of ${name}`);
    if (method === 8 && opts.maxRatio && size > 2 ** 20 && size > compressed * opts.maxRatio) {
      throw bad(`member ${name} would inflate ${compressed} bytes to ${size}, over ${opts.maxRatio} times: refusing what looks like a zip bomb`);
    }
    if (method === 8 && (inflated += size) > MAX_INFLATED_BYTES) throw bad(`deflated members declare more than ${MAX_INFLATED_BYTES} bytes`);
    need(localAt, 30, `the local header of ${name}`);
    if (buf.readUInt32LE(localAt) !== LOCAL) throw bad(`corrupt local header of ${name}`);
    const dataAt = localAt + 30 + buf.readUInt16LE(localAt + 26) + buf.readUInt16LE(localAt + 28);
    need(dataAt, compressed, `the data of ${name}`);
    const raw = buf.subarray(dataAt, dataAt + compressed);
    let data: Buffer;
    if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
      } catch (cause) {
        throw bad(`member ${name} does not inflate to its declared ${size} bytes: ${(cause as Error).message}`);
      }
    } else data = raw;
    if (data.length !== size) throw bad(`member ${name} has ${data.length} bytes, its header says ${size}`);
    if (crc32(data) !== crc) throw bad(`CRC mismatch in ${name}`);
    if (out.has(name)) throw bad(`member ${name} appears twice`);
    out.set(name, data);
    p = next;
  }
  return out;
}

import { crc32, deflateRawSync } from 'node:zlib';
import { zipBuffer } from '../../src/nn/predict/zip.js';

/**
 * A real deflated archive whose one member inflates `bytes` zeros from about a thousandth of that: what a zip bomb
 * is. Written stored by zipBuffer, then its central record turned into a deflated one (the reader trusts only that).
 */
export function zipBomb(name: string, bytes: number): Buffer {
  const zeros = Buffer.alloc(bytes);
  const zip = zipBuffer([{ name, data: deflateRawSync(zeros, { level: 9 }) }], 'bomb.zip');
  const c = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt16LE(8, c + 10);
  zip.writeUInt32LE(crc32(zeros), c + 16);
  zip.writeUInt32LE(bytes, c + 24);
  return zip;
}

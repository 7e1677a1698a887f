/** numpy .npz archives (a zip of .npy members): nnU-Net-compatible probability files. */
import { NnunetError } from '../../engine/errors.js';
import { decodeNpy, encodeNpy, type NpyArray } from '../../imaging/io/npy.js';
import { readZip, writeZip } from './zip.js';

export async function writeNpz(file: string, members: Record<string, NpyArray>): Promise<void> {
  await writeZip(file, Object.entries(members).map(([key, a]) => ({ name: `${key}.npy`, data: encodeNpy(a.data, a.shape) })));
}

export async function readNpz(file: string): Promise<Record<string, NpyArray>> {
  let members: Map<string, Buffer>;
  try {
    members = await readZip(file);
  } catch (cause) {
    throw new NnunetError('NPZ_INVALID', `${file}: not a readable .npz archive`, { file }, { cause });
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, bytes] of members) out[name.replace(/\.npy$/, '')] = decodeNpy(bytes, `${file}:${name}`);
  return out;
}

/**
 * A hard link where the file system allows one (no bytes copied: store files are immutable), else a copy
 * (another device, or a file system without hard links).
 */
import { copyFile, link } from 'node:fs/promises';

export async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code === 'EXDEV' || err.code === 'EPERM' || err.code === 'ENOTSUP') await copyFile(from, to);
    else throw err;
  });
}

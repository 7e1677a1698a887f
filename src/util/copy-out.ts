/**
 * Copies a file or folder out of the store into a user's folder. Store files are read-only (0444) and a copy
 * keeps its source's mode, so a plain copy leaves files the user cannot overwrite: the next `--out` into the
 * same folder would fail with EACCES. The copies here are made owner-writable.
 */
import { chmod, copyFile, cp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function makeWritable(path: string): Promise<void> {
  const s = await stat(path);
  if (s.isDirectory()) {
    for (const e of await readdir(path)) await makeWritable(join(path, e));
  }
  if ((s.mode & 0o200) === 0) await chmod(path, s.mode | 0o200);
}

/** `dst` is the copy's own path (not a folder to copy into); folders are merged into an existing `dst`. */
export async function copyOut(src: string, dst: string): Promise<void> {
  const s = await stat(src);
  if (!s.isFile()) {
    await cp(src, dst, { recursive: true, force: true });
    await makeWritable(dst);
    return;
  }
  // one file (thousands per `nnunet preprocess`): a plain copy; a read-only leftover is replaced, not written through
  await copyFile(src, dst).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EACCES' && err.code !== 'EPERM') throw err;
    await rm(dst, { force: true });
    await copyFile(src, dst);
  });
  await chmod(dst, (s.mode | 0o200) & 0o7777);
}

import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** One piece is all Node's readFile gives; a larger file fails deep inside it with a bare RangeError. */
export const MAX_READ_BYTES = 2 ** 31 - 1;

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 3 : 1)} MiB`;

/** Why a file cannot be read whole, in words for "<file>: cannot read <what> (<reason>)". */
export class UnreadableFileError extends Error {
  constructor(readonly file: string, readonly reason: 'not-a-file' | 'too-large', message: string) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

/**
 * A regular file opened for reading, with its stat. Opened without blocking and checked on the open handle, so a
 * FIFO cannot make the caller (or the thread pool) wait for a writer, and nothing can be swapped in between. A
 * missing file throws as fs does; anything but a regular file is an UnreadableFileError.
 */
export async function openRegularFile(file: string): Promise<{ fh: FileHandle; st: Stats }> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const st = await fh.stat().catch(async (err: unknown) => {
    await fh.close();
    throw err;
  });
  if (st.isFile()) return { fh, st };
  await fh.close();
  throw new UnreadableFileError(file, 'not-a-file', st.isDirectory() ? 'it is a folder, not a file' : 'it is not a regular file (a FIFO, socket or device)');
}

/**
 * A regular file's bytes, at most maxBytes of them. A folder, FIFO or device (a symlink to /dev/zero would read
 * forever, a FIFO would wait forever) and an oversized file are refused before anything is read, and a file that
 * grows while read is refused too.
 */
export async function readBounded(file: string, maxBytes: number): Promise<Buffer> {
  const limit = Math.min(maxBytes, MAX_READ_BYTES);
  const { fh, st } = await openRegularFile(file);
  try {
    const tooLarge = (size: number) => new UnreadableFileError(file, 'too-large', `it holds ${mib(size)}; such a file may hold at most ${mib(limit)}`);
    if (st.size > limit) throw tooLarge(st.size);
    const buf = Buffer.allocUnsafe(Math.min(st.size + 1, limit + 1));
    let got = 0;
    for (let n; got < buf.length && (n = (await fh.read(buf, got, buf.length - got, got)).bytesRead) > 0;) got += n;
    if (got > limit) throw tooLarge(got);
    if (got > st.size) throw new UnreadableFileError(file, 'too-large', 'it grew while being read');
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/** What a JSON metadata file (dataset.json, plans, fingerprint) may weigh: 100x the largest real one. */
export const MAX_JSON_BYTES = 64 * 2 ** 20;

/** readBounded as UTF-8 text. */
export async function readBoundedText(file: string, maxBytes: number): Promise<string> {
  return (await readBounded(file, maxBytes)).toString('utf8');
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { canonicalJson } from './canonical-json.js';

/** A sha256 hex digest (content address). */
export type Digest = string;

// Small files are read whole; big ones streamed so hashing a volume never holds it twice in memory.
const STREAM_THRESHOLD = 16 * 1024 * 1024;

export function sha256(data: string | Uint8Array): Digest {
  return createHash('sha256').update(data).digest('hex');
}

export function digestJson(value: unknown): Digest {
  return sha256(canonicalJson(value));
}

export async function hashFile(path: string, size?: number): Promise<Digest> {
  if (size !== undefined && size < STREAM_THRESHOLD) return sha256(await readFile(path));
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

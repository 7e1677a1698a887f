import { statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import { hashFile, sha256, type Digest } from './digest.js';
import { listFiles, treeText, type TreeEntry } from './tree.js';

const VERSION = 1;
// A file modified within this window of being hashed may change again within the same mtime tick
// ("racy git"): its digest is used but not remembered.
const RACY_MS = 2000;

type Entry = [size: number, mtimeMs: number, ino: number, digest: Digest];

/**
 * Remembers file digests by (path, size, mtime, inode), like git's index, so a null rerun over
 * thousands of input files only stats them. One JSON file per store; last writer wins (it is a cache).
 */
export class StatCache {
  private entries = new Map<string, Entry>();
  private dirty = false;
  private loaded = false;

  constructor(private readonly file: string) {}

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const raw = JSON.parse(await readFile(this.file, 'utf8')) as { version: number; entries: Record<string, Entry> };
      if (raw.version === VERSION) this.entries = new Map(Object.entries(raw.entries));
    } catch {
      // missing or unreadable cache: start empty, it is rebuilt by hashing
    }
  }

  async digestFile(path: string, knownStat?: { size: number; mtimeMs: number; ino: number }): Promise<Digest> {
    await this.load();
    const abs = resolve(path);
    const s = knownStat ?? statSync(abs);
    const hit = this.entries.get(abs);
    if (hit && hit[0] === s.size && hit[1] === s.mtimeMs && hit[2] === s.ino) return hit[3];
    const digest = await hashFile(abs, s.size);
    if (Date.now() - s.mtimeMs > RACY_MS) {
      this.entries.set(abs, [s.size, s.mtimeMs, s.ino, digest]);
      this.dirty = true;
    }
    return digest;
  }

  /** Digest of a file, or the Merkle tree digest of a folder (whose manifest goes to `onTree`). */
  async digestPath(path: string, onTree?: (digest: Digest, text: string) => Promise<void>): Promise<Digest> {
    const abs = resolve(path);
    let s;
    try {
      s = statSync(abs);
    } catch (cause) {
      throw new StoreError('EXTERNAL_INPUT_MISSING', `input path does not exist: ${abs}`, { file: abs }, { cause });
    }
    if (!s.isDirectory()) return this.digestFile(abs, s);
    const files = await listFiles(abs);
    const entries: TreeEntry[] = new Array(files.length);
    const BATCH = 256;
    for (let i = 0; i < files.length; i += BATCH) {
      await Promise.all(files.slice(i, i + BATCH).map(async (f, j) => {
        entries[i + j] = { path: f.path, size: f.size, digest: await this.digestFile(join(abs, f.path), f) };
      }));
    }
    const text = treeText(entries);
    const digest = sha256(text);
    await onTree?.(digest, text);
    return digest;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: VERSION, entries: Object.fromEntries(this.entries) }));
    await rename(tmp, this.file);
    this.dirty = false;
  }
}

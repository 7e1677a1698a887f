import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import type { UpdateFile } from '../store/shared-state.js';
import { hashFile, sha256, type Digest } from './digest.js';
import { listFiles, treeText, type TreeEntry } from './tree.js';

const VERSION = 1;
// A file modified within this window of being hashed may change again within the same mtime tick
// ("racy git"): its digest is used but not remembered.
const RACY_MS = 2000;

type Entry = [size: number, mtimeMs: number, ino: number, digest: Digest];

/**
 * Remembers file digests by (path, size, mtime, inode), like git's index, so a null rerun over
 * thousands of input files only stats them. One JSON file per store; each process merges the digests it
 * learnt into it (for the same path the later save wins: it is a cache).
 */
export class StatCache {
  private entries = new Map<string, Entry>();
  /** what this process learnt: merged into the file on save */
  private readonly learnt = new Map<string, Entry>();
  private loaded = false;

  constructor(private readonly file: string, private readonly update: UpdateFile) {}

  private static parse(text: string | undefined): Map<string, Entry> {
    try {
      const raw = JSON.parse(text ?? '') as { version: number; entries: Record<string, Entry> };
      if (raw.version === VERSION) return new Map(Object.entries(raw.entries));
    } catch {
      // missing or unreadable cache: start empty, it is rebuilt by hashing
    }
    return new Map();
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    this.entries = StatCache.parse(await readFile(this.file, 'utf8').catch(() => undefined));
  }

  async digestFile(path: string, knownStat?: { size: number; mtimeMs: number; ino: number }): Promise<Digest> {
    await this.load();
    const abs = resolve(path);
    const s = knownStat ?? statSync(abs);
    const hit = this.entries.get(abs);
    if (hit && hit[0] === s.size && hit[1] === s.mtimeMs && hit[2] === s.ino) return hit[3];
    const digest = await hashFile(abs, s.size);
    if (Date.now() - s.mtimeMs > RACY_MS) {
      const entry: Entry = [s.size, s.mtimeMs, s.ino, digest];
      this.entries.set(abs, entry);
      this.learnt.set(abs, entry);
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
    if (this.learnt.size === 0) return;
    await this.update(this.file, (current) => {
      const all = StatCache.parse(current);
      for (const [path, entry] of this.learnt) all.set(path, entry);
      return JSON.stringify({ version: VERSION, entries: Object.fromEntries(all) });
    });
    this.learnt.clear();
  }
}

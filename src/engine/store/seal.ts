import { lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hashFile } from '../hash/digest.js';
import type { Tree } from '../hash/tree.js';
import { parseEntries, readText, type UpdateFile } from './shared-state.js';

/**
 * What an artifact's files and folders looked like when it was committed: size, mtime, ctime and inode of
 * each file, mtime of each folder. Artifact files are hard links to the store's objects, so a write to
 * either (or a file added, removed or renamed) changes one of these; comparing them costs a stat per
 * file, where re-hashing would read every byte on every cache hit.
 */
export type Seal = Array<[path: string, size: number, mtimeMs: number, ctimeMs: number, ino: number]>;

function folders(tree: Tree): string[] {
  const out = new Set<string>(['']);
  for (const f of tree.files) for (let d = dirname(f.path); d !== '.' && !out.has(d); d = dirname(d)) out.add(d);
  return [...out].sort();
}

export function takeSeal(dir: string, tree: Tree): Seal {
  const seal: Seal = [];
  for (const d of folders(tree)) {
    const s = lstatSync(join(dir, d));
    seal.push([`${d}/`, -1, s.mtimeMs, s.ctimeMs, s.ino]);
  }
  for (const f of tree.files) {
    const s = lstatSync(join(dir, f.path));
    seal.push([f.path, s.size, s.mtimeMs, s.ctimeMs, s.ino]);
  }
  return seal;
}

/** True when every file and folder still matches the seal (a stat each; false for anything missing). */
export function matchesSeal(dir: string, seal: Seal): boolean {
  try {
    for (const [path, size, mtimeMs, ctimeMs, ino] of seal) {
      const s = lstatSync(join(dir, path));
      if (s.mtimeMs !== mtimeMs || s.ctimeMs !== ctimeMs || s.ino !== ino || (size >= 0 && s.size !== size)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Every artifact's seal in one file (`state/seals.json`), read once per process and merged back at the end of
 * a run: a null rerun over 10,000 outputs must not open 10,000 seal files. A seal lost (killed run) only costs
 * one re-hash of that artifact on its next hit.
 */
export class SealIndex {
  private seals?: Map<string, Seal>;
  private readonly dirty = new Map<string, Seal | null>();

  constructor(private readonly file: string, private readonly update: UpdateFile) {}

  private static parse(text: string | undefined): Map<string, Seal> {
    return new Map(Object.entries(parseEntries<Seal>(text)));
  }

  private load(): Map<string, Seal> {
    if (!this.seals) {
      this.seals = SealIndex.parse(readText(this.file));
    }
    return this.seals;
  }

  get(d: string): Seal | undefined {
    return this.load().get(d);
  }

  set(d: string, seal: Seal | null): void {
    if (seal) this.load().set(d, seal);
    else this.load().delete(d);
    this.dirty.set(d, seal);
  }

  /** Merges this process's changes into the file as it is now (another process may have written it meanwhile). */
  async save(): Promise<void> {
    if (this.dirty.size === 0) return;
    await this.update(this.file, (current) => {
      const all = SealIndex.parse(current);
      for (const [d, seal] of this.dirty) {
        if (seal) all.set(d, seal);
        else all.delete(d);
      }
      this.seals = all;
      return JSON.stringify(Object.fromEntries(all));
    });
    this.dirty.clear();
  }
}

/** Paths of the artifact whose bytes do not hash to the tree's digests (missing ones included). */
export async function damagedFiles(dir: string, tree: Tree): Promise<string[]> {
  const bad: string[] = [];
  for (const f of tree.files) {
    const actual = await hashFile(join(dir, f.path), f.size).catch(() => undefined);
    if (actual !== f.digest) bad.push(f.path);
  }
  return bad;
}

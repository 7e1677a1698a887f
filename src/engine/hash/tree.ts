import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json.js';
import { sha256, type Digest } from './digest.js';

/** One file of a Merkle tree manifest; `path` is relative, '/'-separated. */
export interface TreeEntry {
  readonly path: string;
  readonly size: number;
  readonly digest: Digest;
}

export interface Tree {
  readonly files: readonly TreeEntry[];
}

/** Canonical manifest text; its sha256 is the tree digest (like a git tree object). */
export function treeText(files: readonly TreeEntry[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return canonicalJson({ files: sorted.map((f) => [f.path, f.size, f.digest]) });
}

export function treeDigest(files: readonly TreeEntry[]): Digest {
  return sha256(treeText(files));
}

export function parseTree(text: string): Tree {
  const raw = JSON.parse(text) as { files: Array<[string, number, string]> };
  return { files: raw.files.map(([path, size, digest]) => ({ path, size, digest })) };
}

export interface FileStat {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** Regular files under `dir` (symlinks followed), as sorted relative '/'-paths with their stat facts. */
export async function listFiles(dir: string): Promise<FileStat[]> {
  const out: FileStat[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    const subdirs: string[] = [];
    const files: string[] = [];
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) subdirs.push(r);
      else if (e.isFile()) files.push(r);
      else if (e.isSymbolicLink()) {
        const s = await stat(join(dir, r));
        (s.isDirectory() ? subdirs : files).push(r);
      }
    }
    const stats = await Promise.all(files.map((f) => stat(join(dir, f))));
    files.forEach((f, i) => out.push({ path: f, size: stats[i].size, mtimeMs: stats[i].mtimeMs, ino: stats[i].ino }));
    for (const d of subdirs) await walk(d);
  }
  await walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

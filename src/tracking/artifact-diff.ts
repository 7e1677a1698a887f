/**
 * Which files of two artifacts differ: explains a digest mismatch (a wall-clock time in a log, an absolute
 * store path in a listing) where the bulk (weights, predictions) may still be bit-identical.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { hashFile } from '../engine/index.js';

export interface ArtifactDiff {
  identical: number;
  /** relative paths whose bytes differ */
  differ: string[];
  /** relative paths present on one side only */
  onlyOne: string[];
}

async function fileDigests(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(relative(dir, p), await hashFile(p));
    }
  };
  await walk(dir);
  return out;
}

export async function diffArtifacts(a: string, b: string): Promise<ArtifactDiff> {
  const [fa, fb] = [await fileDigests(a), await fileDigests(b)];
  const diff: ArtifactDiff = { identical: 0, differ: [], onlyOne: [] };
  for (const path of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
    const [x, y] = [fa.get(path), fb.get(path)];
    if (x === undefined || y === undefined) diff.onlyOne.push(path);
    else if (x === y) diff.identical++;
    else diff.differ.push(path);
  }
  return diff;
}

/**
 * cases.json on disk: case paths relative to `root`, and `root` relative to the dataset artifact's own folder
 * (or absolute, for a raw folder given by path). A dataset built from an upstream artifact then has the same
 * bytes in every store, so a rerun in a fresh store (`nnunet reproduce`) can be bit-identical. Readers get
 * absolute paths through `readCaseListing`.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { CaseFiles, CaseListing } from './format.js';

export const CASES_FILE = 'cases.json';

type PathMap = (p: string) => string;

function mapPaths(listing: CaseListing, f: PathMap): Pick<CaseListing, 'training' | 'test'> {
  const files = <C extends CaseFiles>(c: C): C => ({ ...c, images: c.images.map(f), ...(c.label !== undefined ? { label: f(c.label) } : {}) }) as C;
  return { training: listing.training.map(files), test: listing.test.map(files) };
}

/** Where a file lies below the root, or null when it lies outside (a `dataset` key entry elsewhere). */
export function insideRoot(root: string, file: string): string | null {
  const rel = relative(root, file);
  return rel.startsWith('..') || isAbsolute(rel) ? null : rel;
}

/** The listing as stored: paths below `absoluteRoot` relative to it (others stay absolute), root written as `storedRoot`. */
export function storedListing(listing: CaseListing, absoluteRoot: string, storedRoot: string): CaseListing {
  return { ...listing, root: storedRoot, ...mapPaths(listing, (p) => insideRoot(absoluteRoot, p) ?? p) };
}

/** cases.json of a dataset artifact, with every path absolute. */
export async function readCaseListing(datasetDir: string): Promise<CaseListing> {
  const stored = JSON.parse(await readFile(join(datasetDir, CASES_FILE), 'utf8')) as CaseListing;
  const root = resolve(datasetDir, stored.root);
  return { ...stored, root, ...mapPaths(stored, (p) => resolve(root, p)) };
}

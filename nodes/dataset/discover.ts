// spec §1.1: which files make up each case - the imagesTr/labelsTr folder layout or the `dataset` key.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { CaseFiles, DatasetJson } from './format.js';
import { sortIds } from '../split/kfold.js';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A channel file's name: `<case>_XXXX<ending>`. */
export const isChannelFile = (name: string, ending: string): boolean =>
  name.endsWith(ending) && /.+_\d{4}$/.test(name.slice(0, name.length - ending.length));

/**
 * Case identifiers of a folder: file names minus `_XXXX<ending>`, unique, sorted (nnU-Net's rule). A file with the
 * ending but no channel suffix makes no case (nnU-Net would cut a bogus id from it); validation reports it.
 */
/** A folder to list: a file (or anything else) in its place holds no cases; validation says so. */
export const isFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

export function caseIdsInFolder(folder: string, ending: string): string[] {
  if (!isFolder(folder)) return [];
  const files = readdirSync(folder).filter((f) => isChannelFile(f, ending));
  return sortIds([...new Set(files.map((f) => f.slice(0, f.length - ending.length - 5)))]);
}

/** A case's channel files, in name order: `<id>_dddd<ending>` exactly. */
export function channelFiles(folder: string, id: string, ending: string, listing: readonly string[]): string[] {
  const re = new RegExp(`^${escapeRe(id)}_\\d{4}${escapeRe(ending)}$`);
  return listing.filter((f) => re.test(f)).sort().map((f) => join(folder, f));
}

const expandVars = (p: string) => p.replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a, b) => process.env[a ?? b] ?? m);

export interface Discovered {
  training: CaseFiles[];
  test: CaseFiles[];
}

export function discoverCases(root: string, ds: DatasetJson): Discovered {
  const ending = ds.file_ending;
  if (ds.dataset) {
    const abs = (p: string) => {
      const e = expandVars(p);
      return isAbsolute(e) ? e : resolve(root, e);
    };
    // nnU-Net keeps the dict order of the `dataset` key (it orders the fingerprint's lists)
    const training = Object.keys(ds.dataset).map((id) => {
      const entry = ds.dataset![id];
      return { id, images: entry.images.map(abs), label: abs(entry.label) };
    });
    return { training, test: [] };
  }
  const folder = (name: string) => join(root, name);
  const list = (name: string) => (isFolder(folder(name)) ? readdirSync(folder(name)) : []);
  const trListing = list('imagesTr');
  const tsListing = list('imagesTs');
  const training = caseIdsInFolder(folder('imagesTr'), ending).map((id) => ({
    id, images: channelFiles(folder('imagesTr'), id, ending, trListing), label: join(root, 'labelsTr', id + ending),
  }));
  const test = caseIdsInFolder(folder('imagesTs'), ending).map((id) => ({
    id, images: channelFiles(folder('imagesTs'), id, ending, tsListing),
  }));
  return { training, test };
}

/**
 * nnU-Net's environment folders: a dataset given as an id (4, 004) or a name (Dataset004_Hippocampus) is found in
 * $nnUNet_raw, $nnUNet_preprocessed or $nnUNet_results, as nnU-Net's commands find it. A path that exists is a path.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { NnunetError } from '../engine/errors.js';

export type NnunetFolderVariable = 'nnUNet_raw' | 'nnUNet_preprocessed' | 'nnUNet_results';

/** The dataset folder `idOrName` names inside the folder $variable points at. */
export function datasetFolderIn(variable: NnunetFolderVariable, idOrName: string, flag: string): string {
  const root = process.env[variable];
  if (!root) throw new NnunetError('CLI_USAGE', `${flag} ${idOrName}: the environment variable ${variable} is not set (or give the folder's path)`);
  if (!existsSync(root)) throw new NnunetError('CLI_USAGE', `${flag} ${idOrName}: ${variable}=${root} does not exist`, { file: root });
  const prefix = /^\d+$/.test(idOrName) ? `Dataset${idOrName.padStart(3, '0')}_` : undefined;
  const matches = readdirSync(root).filter((d) => (prefix ? d.startsWith(prefix) : d === idOrName));
  if (matches.length !== 1) {
    throw new NnunetError('CLI_USAGE', `${flag} ${idOrName}: ${matches.length === 0 ? 'no' : `${matches.length} (${matches.join(', ')})`} dataset folder(s) in ${variable}=${root}`, { file: root });
  }
  return join(root, matches[0]);
}

/** Where nnU-Net would write a dataset's plans and preprocessed data: $nnUNet_preprocessed/<dataset folder name>. */
export function preprocessedFolderFor(datasetDir: string | undefined): string {
  const root = process.env.nnUNet_preprocessed;
  if (!root || !datasetDir) throw new NnunetError('CLI_USAGE', `give the output folder with --out${datasetDir ? ' (or set nnUNet_preprocessed, as nnU-Net does)' : ''}`);
  return join(root, basename(datasetDir));
}

const looksLikeDataset = (arg: string): boolean => /^\d+$/.test(arg) || /^Dataset\d{3}_[^/\\]+$/.test(arg);

/**
 * A dataset argument: an existing path, else an id or name looked up in the first of `variables` that is set and
 * holds it (nnUNetv2_train looks in nnUNet_preprocessed; planning in nnUNet_raw).
 */
export function datasetArgument(arg: string, variables: readonly NnunetFolderVariable[], flag: string): string {
  if (existsSync(arg) || !looksLikeDataset(arg)) return resolve(arg);
  const set = variables.filter((v) => process.env[v]);
  if (set.length === 0) {
    throw new NnunetError('CLI_USAGE', `${flag} ${arg}: no such folder here, and ${variables.join(' / ')} ${variables.length > 1 ? 'are' : 'is'} not set to look it up in`);
  }
  let first: unknown;
  for (const v of set) {
    try {
      return datasetFolderIn(v, arg, flag);
    } catch (err) {
      first ??= err;
    }
  }
  throw first;
}

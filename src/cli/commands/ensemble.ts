/**
 * `nnunet ensemble -i <folder> <folder>... -o <out> [-m model]`: nnUNetv2_ensemble. Averages the CASEID.npz
 * probabilities of prediction folders (made with --save-probabilities), writes label maps with the first folder's
 * geometry, and applies the model's postprocessing when -m is given.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { NodeError } from '../../engine/errors.js';
import { labelHandling } from '../../nn/predict/labels.js';
import type { DatasetJson } from '../../../nodes/dataset/format.js';
import { ensembleFolders } from '../../../nodes/ensemble/ensemble-folders.js';
import { loadPostprocessing } from '../../../nodes/postprocess/apply.js';
import { readJsonFileAs } from '../../util/json-file.js';
import { noEffect, positiveInt } from '../option-parsers.js';

export interface EnsembleCommandOptions {
  input: string[];
  output: string;
  model?: string;
  saveProbabilities?: boolean;
}

export async function ensembleCommand(o: EnsembleCommandOptions, log: (l: string) => void): Promise<number> {
  const folders = o.input.map((f) => resolve(f));
  const dsFile = [folders[0], o.model && resolve(o.model)].filter((d): d is string => !!d).map((d) => join(d, 'dataset.json')).find(existsSync);
  if (!dsFile) throw new NodeError('ENSEMBLE_NO_DATASET_JSON', `no dataset.json in ${folders[0]}${o.model ? ` or ${o.model}` : ''}`);
  const ds = (await readJsonFileAs(dsFile, { what: 'dataset.json' }, { error: NodeError, code: 'ENSEMBLE_BAD_DATASET_JSON' })).value as DatasetJson;
  const postprocess = o.model ? await loadPostprocessing(resolve(o.model)) : null;
  const cases = await ensembleFolders(folders, resolve(o.output), {
    handling: labelHandling(ds.labels, ds.regions_class_order), fileEnding: ds.file_ending,
    saveProbabilities: o.saveProbabilities, postprocess: postprocess ?? undefined,
  });
  log(`${cases.length} case(s) ensembled from ${folders.length} folders${postprocess ? ', postprocessed' : ''} -> ${resolve(o.output)}`);
  return 0;
}

export function register(program: Command): void {
  program
    .command('ensemble')
    .description('average the saved probabilities of several prediction folders (nnUNetv2_ensemble)')
    .requiredOption('-i, --input <folders...>', 'prediction folders holding CASEID.npz + CASEID.json')
    .requiredOption('-o, --output <dir>', 'output folder')
    .option('-m, --model <dir>', "model folder whose postprocessing.json to apply")
    .option('--save-probabilities', 'also write the averaged probabilities (also --save_npz)')
    .addOption(noEffect('--processes <n>', positiveInt))
    .action(async (opts: EnsembleCommandOptions) => {
      process.exitCode = await ensembleCommand(opts, (l) => process.stdout.write(`${l}\n`));
    });
}

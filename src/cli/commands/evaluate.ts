/**
 * `nnunet evaluate <pred> <ref> [-l labels...] [-d dataset.json] [-o summary.json]`: nnUNetv2_evaluate_folder /
 * nnUNetv2_evaluate_simple. Labels come from -l or from dataset.json (given, or the one `nnunet predict` writes).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { NnunetError, NodeError } from '../../engine/errors.js';
import { readJsonFileAs } from '../../util/json-file.js';
import type { DatasetJson } from '../../../nodes/dataset/format.js';
import { evaluateFolder, evaluationTargets, ignoreLabelOf } from '../../../nodes/evaluate/evaluate-folder.js';
import type { LabelOrRegion } from '../../../nodes/evaluate/summary.js';
import { int, listOf, noEffect, positiveInt } from '../option-parsers.js';

export interface EvaluateCommandOptions {
  labels?: number[];
  ignoreLabel?: number;
  datasetJson?: string;
  output?: string;
  fileEnding?: string;
  chill?: boolean;
}

const ENDINGS = ['.nii.gz', '.nii', '.nrrd', '.mha', '.png', '.bmp', '.tif', '.tiff', '.gipl'];

export async function evaluateCommand(pred: string, ref: string, o: EvaluateCommandOptions, log: (l: string) => void): Promise<number> {
  const predDir = resolve(pred);
  for (const [flag, dir] of [['the prediction folder', predDir], ['the reference folder', resolve(ref)]]) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new NnunetError('CLI_USAGE', `${flag} ${dir} is not a folder`, { file: dir });
  }
  const dsFile = o.datasetJson ? resolve(o.datasetJson) : join(predDir, 'dataset.json');
  const ds = existsSync(dsFile)
    ? (await readJsonFileAs(dsFile, { what: 'dataset.json' }, { error: NodeError, code: 'EVALUATE_BAD_DATASET_JSON' })).value as DatasetJson : null;
  let targets: LabelOrRegion[];
  if (o.labels) targets = o.labels;
  else if (ds) targets = evaluationTargets(ds.labels);
  else throw new NnunetError('CLI_NO_LABELS', `give the labels with -l or a dataset.json with -d (none at ${dsFile})`);
  const fileEnding = o.fileEnding ?? ds?.file_ending
    ?? ENDINGS.find((e) => readdirSync(predDir).some((f) => f.endsWith(e)));
  if (!fileEnding) throw new NodeError('EVALUATE_NO_CASES', `no image files in ${predDir}`, { file: predDir });
  const output = resolve(o.output ?? join(predDir, 'summary.json'));
  const summary = await evaluateFolder(predDir, resolve(ref), {
    targets, ignoreLabel: o.ignoreLabel ?? (ds ? ignoreLabelOf(ds.labels) : null), fileEnding, chill: o.chill, outputFile: output,
  });
  log(`${summary.metric_per_case.length} case(s)`);
  log(['label', 'Dice', 'IoU'].join('\t'));
  for (const [k, m] of Object.entries(summary.mean)) log(`${k}\t${m.Dice.toFixed(4)}\t${m.IoU.toFixed(4)}`);
  log(`foreground mean Dice ${summary.foreground_mean.Dice.toFixed(4)}; summary in ${output}`);
  return 0;
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('Dice/IoU/TP/FP/FN per label of a prediction folder against a reference folder (summary.json as nnU-Net)')
    .argument('<pred>', 'folder of predicted label maps')
    .argument('<ref>', 'folder of reference label maps with the same file names')
    .option('-l, --labels <labels...>', 'labels to evaluate (default: foreground labels/regions of dataset.json)', listOf(int))
    .option('--ignore-label <n>', 'reference label excluded from all counts (also -il)', int)
    .option('-d, --dataset-json <file>', 'dataset.json (default: <pred>/dataset.json; also -djfile)')
    .option('-o, --output <file>', 'summary.json path (default: <pred>/summary.json)')
    .option('--file-ending <ext>', 'file ending (default: from dataset.json, else detected)')
    .addOption(noEffect('--plans-file <file>'))
    .addOption(noEffect('--processes <n>', positiveInt))
    .option('--chill', 'evaluate the predictions there are when some references have none (nnU-Net: without it, every reference needs a prediction)')
    .action(async (pred: string, ref: string, opts: EvaluateCommandOptions) => {
      process.exitCode = await evaluateCommand(pred, ref, opts, (l) => process.stdout.write(`${l}\n`));
    });
}

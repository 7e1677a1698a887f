/**
 * `nnunet train <folder> <configuration> <fold>` (nnUNetv2_train) through the engine. The folder is either a
 * preprocessed one in nnU-Net's layout (nnUNetPlans.json + <data_identifier>/: trains directly) or a raw dataset
 * (dataset.json + imagesTr/: plans, preprocesses, splits, trains and validates). An interrupted run resumes from
 * its checkpoint when the same command runs again; `--out` receives the fold folder nnU-Net users expect.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { kinds } from '../../../nodes/index.js';
import { artifactDir, NnunetError, runPipeline, type RunNodeRecord, type RunRecord } from '../../engine/index.js';
import { progressSvg, withEpochTimes, type EpochLog, type EpochTimes } from '../../nn/train/index.js';
import { copyOut } from '../../util/copy-out.js';
import { readCheckpointManifest } from '../../nn/checkpoint.js';
import type { Plans } from '../../../nodes/plan/format.js';
import { plansJson } from '../../../nodes/plan/plan-experiment.js';
import { globalDirs, summarize, withTerminal } from './run.js';
import { int, listOf, noEffect, positiveInt } from '../option-parsers.js';
import { datasetArgument } from '../nnunet-folders.js';

export interface TrainCommandOptions {
  epochs?: number;
  iterations?: number;
  valIterations?: number;
  seed?: number;
  initFrom?: string;
  continue?: boolean;
  out?: string;
  batchSize?: number;
  patchSize?: number[];
  /** cascade: fold folders of the previous stage (`nnunet train ... 3d_lowres <f> --out`), all folds */
  previousStage?: string[];
  quiet?: boolean;
}

const parseFold = (v: string): number | 'all' => {
  if (v === 'all') return 'all';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new NnunetError('CLI_BAD_FOLD', `fold must be a non-negative integer or 'all', got '${v}'`);
  return n;
};

function trainParams(configuration: string, fold: number | 'all', o: TrainCommandOptions): Record<string, unknown> {
  const p: Record<string, unknown> = { configuration, fold };
  if (o.epochs !== undefined) p.epochs = o.epochs;
  if (o.iterations !== undefined) p.iterations_per_epoch = o.iterations;
  if (o.valIterations !== undefined) p.val_iterations = o.valIterations;
  if (o.seed !== undefined) p.seed = o.seed;
  if (o.initFrom !== undefined) p.init_from = o.initFrom === 'previous' ? 'previous' : resolve(o.initFrom);
  if (o.batchSize !== undefined) p.batch_size = o.batchSize;
  if (o.patchSize !== undefined) p.patch_size = o.patchSize;
  if (o.previousStage?.length) p.previous_stage_dirs = o.previousStage.map((d) => resolve(d));
  return p;
}

/** The pipeline `nnunet train` runs; exported for tests and for `nnunet dag`-style inspection. */
export function trainPipeline(folder: string, configuration: string, fold: number | 'all', o: TrainCommandOptions): string {
  const train = trainParams(configuration, fold, o);
  if (existsSync(join(folder, 'nnUNetPlans.json'))) {
    const nodes: Record<string, unknown> = { train: { uses: 'train-fold', with: { ...train, preprocessed: folder } } };
    // nnUNetv2_train's final validation, against the folder's gt_segmentations/ (`nnunet preprocess` writes them;
    // fold 'all' has no held-out cases)
    if (fold !== 'all' && existsSync(join(folder, 'gt_segmentations'))) {
      nodes.validate = { uses: 'validate', needs: ['train'],
        with: { configuration, fold, preprocessed: folder, ...(train.previous_stage_dirs ? { previous_stage_dirs: train.previous_stage_dirs } : {}) } };
    }
    return stringify({ version: 1, name: 'train', nodes });
  }
  const nodes: Record<string, unknown> = {
    dataset: { uses: 'dataset', with: { path: folder } },
    case_fingerprint: { uses: 'case-fingerprint', needs: ['dataset'], foreach: 'dataset' },
    fingerprint: { uses: 'fingerprint', needs: { cases: 'case_fingerprint', dataset: 'dataset' } },
    plan: { uses: 'plan', needs: ['fingerprint'] },
    split: { uses: 'split', needs: ['dataset'] },
    preprocess: { uses: 'preprocess', needs: ['dataset', 'plan'], foreach: 'dataset', with: { configuration } },
    train: { uses: 'train-fold', needs: ['plan', 'split', 'dataset', 'preprocess'], with: train },
  };
  // fold 'all' has no held-out cases to validate on
  if (fold !== 'all') {
    nodes.validate = { uses: 'validate', needs: ['train', 'split', 'preprocess', 'dataset'],
      with: { configuration, fold, ...(train.previous_stage_dirs ? { previous_stage_dirs: train.previous_stage_dirs } : {}) } };
  }
  return stringify({ version: 1, name: 'train', nodes });
}

/**
 * The cached output leaves epoch times out (they would make every training unique); the fold folder nnU-Net
 * users get has them, from the action record, in training_log.json and progress.svg's duration panel.
 */
async function restoreEpochTimes(out: string, train: RunNodeRecord): Promise<void> {
  const times = train.timings?.epoch_time_s;
  if (!Array.isArray(times)) return;
  const file = join(out, 'training_log.json');
  const log = JSON.parse(await readFile(file, 'utf8')) as EpochLog[];
  await writeFile(file, JSON.stringify(withEpochTimes(log, times as EpochTimes), null, 1));
  await writeFile(join(out, 'progress.svg'), progressSvg(log, times as EpochTimes));
}

async function copyOutputs(record: RunRecord, storeDir: string, out: string, dataset: string): Promise<void> {
  await mkdir(out, { recursive: true });
  for (const n of record.nodes.filter((x) => (x.node === 'train' || x.node === 'validate') && x.outputs)) {
    await copyOut(await artifactDir(storeDir, n.outputs!.digest), out);
    if (n.node === 'train') await restoreEpochTimes(out, n);
  }
  await writeModelFiles(out, record, storeDir, dataset);
}

/**
 * `--out <model>/fold_N`: nnU-Net's trainer writes plans.json and dataset.json beside its fold folders, which is what
 * makes <model> a model folder `nnunet predict -m` takes. They come from the fold's checkpoint (what it was trained with).
 */
async function writeModelFiles(out: string, record: RunRecord, storeDir: string, dataset: string): Promise<void> {
  if (!/^fold_(\d+|all)$/.test(basename(out)) || !existsSync(join(out, 'checkpoint_final', 'manifest.json'))) return;
  const m = await readCheckpointManifest(join(out, 'checkpoint_final'));
  const model = dirname(out);
  await writeFile(join(model, 'plans.json'), plansJson(m.plans as Plans));
  await writeFile(join(model, 'dataset.json'), JSON.stringify(m.datasetJson, null, 4));
  // and the dataset's fingerprint, as nnU-Net's trainer copies it: the raw chain's fingerprint node, or the
  // preprocessed folder's own file
  const fingerprint = record.nodes.find((n) => n.node === 'fingerprint' && n.outputs);
  const from = fingerprint ? join(await artifactDir(storeDir, fingerprint.outputs!.digest), 'dataset_fingerprint.json') : join(dataset, 'dataset_fingerprint.json');
  if (existsSync(from)) await copyOut(from, join(model, 'dataset_fingerprint.json'));
}

export async function trainCommand(folder: string, configuration: string, foldText: string, o: TrainCommandOptions, dirs: { storeDir?: string; runsDir?: string }): Promise<RunRecord> {
  // nnUNetv2_train 4 3d_fullres 0: the id names the preprocessed dataset (else the raw one)
  const dir = datasetArgument(folder, ['nnUNet_preprocessed', 'nnUNet_raw'], 'dataset');
  if (!existsSync(join(dir, 'nnUNetPlans.json')) && !existsSync(join(dir, 'dataset.json'))) {
    throw new NnunetError('CLI_TRAIN_FOLDER', `${dir} is neither a preprocessed folder (nnUNetPlans.json) nor a raw dataset (dataset.json)`, { file: dir });
  }
  const fold = parseFold(foldText);
  const record = await withTerminal(o.quiet, ({ signal, onEvent }) => runPipeline({
    pipelineText: trainPipeline(dir, configuration, fold, o), kinds, ...dirs, name: `train ${configuration} fold ${fold}`,
    signal, quiet: o.quiet, onEvent,
  }));
  if (o.out && record.status === 'succeeded') await copyOutputs(record, dirs.storeDir ?? process.env.NNUNET_STORE ?? '.nnunet', resolve(o.out), dir);
  return record;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train one configuration on one fold (nnUNetv2_train) through the pipeline engine')
    .argument('<folder>', 'preprocessed folder (nnUNetPlans.json, <data_identifier>/) or raw dataset folder (dataset.json, imagesTr/); an id or DatasetXXX_Name is looked up in $nnUNet_preprocessed, then $nnUNet_raw')
    .argument('<configuration>', '2d, 3d_fullres, 3d_lowres, ...')
    .argument('<fold>', "fold index or 'all'")
    .option('--epochs <n>', 'epochs (nnU-Net: 1000)', positiveInt)
    .option('--iterations <n>', 'training iterations per epoch (nnU-Net: 250)', positiveInt)
    .option('--val-iterations <n>', 'validation iterations per epoch (nnU-Net: 50)', int)
    .option('--seed <n>', 'seed: makes a CPU run reproducible', int)
    .option('--init-from <checkpoint>', "initialise from a checkpoint (folder, or one holding checkpoint_final/), or 'previous'")
    .option('--continue', 'resume an interrupted run (always on: rerunning the same command resumes from its checkpoint)')
    .option('--batch-size <n>', 'override the plan batch size', positiveInt)
    .option('--patch-size <sizes...>', 'override the plan patch size', listOf(positiveInt))
    .option('--previous-stage <dirs...>', "3d_cascade_fullres: the 3d_lowres fold folders (from 'train ... 3d_lowres <f> --out'), every fold")
    .option('-o, --out <dir>', 'copy the fold folder (checkpoints, training_log.json, progress.svg, validation/) here')
    .option('-q, --quiet', 'no live progress')
    // nnUNetv2_train --npz: the validation here always keeps the probabilities find-best needs
    .addOption(noEffect('--npz'))
    .action(async (folder: string, configuration: string, fold: string, opts: TrainCommandOptions, cmd: Command) => {
      const dirs = globalDirs(cmd);
      const record = await trainCommand(folder, configuration, fold, opts, dirs);
      process.stdout.write(`${summarize(record, dirs.runsDir ?? 'runs')}\n`);
      if (opts.out && record.status === 'succeeded') process.stdout.write(`fold folder: ${resolve(opts.out)}\n`);
      if (record.status === 'aborted') throw new NnunetError('RUN_ABORTED', `training was aborted; run the same command again to resume`);
      if (record.status === 'failed') throw new NnunetError('RUN_FAILED', `training run ${record.id} failed`);
    });
}

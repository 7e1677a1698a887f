/**
 * `nnunet predict -i <folder|files...> -o <out> -m <model> [-c config] [-f folds] [--no-tta] [--save-probabilities]`:
 * nnUNetv2_predict_from_modelfolder. Runs directly (not through the engine): new images are not pipeline data.
 * Cases stream one at a time; a broken case is reported and the others still finish; exit code 1 if any failed.
 * A cascade configuration runs its previous stage from the model folder first unless --previous-stage is given.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { findCases } from '../../../nodes/predict/cases.js';
import { channelNames } from '../../../nodes/dataset/format.js';
import { chosenConfigurations, closeModel, openModel, type FoldId } from '../../../nodes/predict/model.js';
import { modelPostprocessing } from '../../../nodes/predict/model-postprocessing.js';
import { predictChosen } from '../../../nodes/predict/predict-ensemble.js';
import { withModelFolder } from '../../../nodes/export/export-model.js';
import { NodeError } from '../../engine/errors.js';
import { describeBackend, initBackend } from '../../nn/backend.js';
import { int, noEffect, num, positiveInt } from '../option-parsers.js';
import { datasetFolderIn } from '../nnunet-folders.js';

export interface PredictCommandOptions {
  input: string[];
  output: string;
  /** the model folder or zip; else found under $nnUNet_results from dataset, trainer and plans, as nnUNetv2_predict */
  model?: string;
  dataset?: string;
  trainer?: string;
  plansIdentifier?: string;
  /** nnU-Net's -device: cpu keeps the backend off the GPU */
  device?: 'cuda' | 'cpu' | 'mps';
  configuration?: string;
  folds?: FoldId[];
  checkpoint?: string;
  tta: boolean;
  stepSize: number;
  saveProbabilities?: boolean;
  previousStage?: string;
  continuePrediction?: boolean;
  postprocessing: boolean;
  numParts: number;
  partId: number;
}

export async function predictCommand(o: PredictCommandOptions, log: (line: string) => void): Promise<number> {
  if (!(Number.isInteger(o.numParts) && o.numParts >= 1 && Number.isInteger(o.partId) && o.partId >= 0 && o.partId < o.numParts)) {
    throw new NodeError('CLI_BAD_PART', `--part-id must be in [0, --num-parts), got part ${o.partId} of ${o.numParts}`);
  }
  const model = modelLocation(o);
  log(`backend: ${describeBackend(await initBackend(undefined, { cpuOnly: o.device === 'cpu' }))}`);
  return withModelFolder(model, (modelDir) => predictFromFolder(modelDir, o, log));
}

/**
 * nnUNetv2_predict's -d/-tr/-p/-c: $nnUNet_results/<DatasetXXX_Name>/<trainer>__<plans>__<configuration> (the dataset
 * folder itself without -c: find-best's choice). -d takes the id (4, 004) or the full name.
 */
function modelLocation(o: PredictCommandOptions): string {
  if (o.model !== undefined && o.dataset !== undefined) throw new NodeError('CLI_USAGE', 'give the model either with -m or with -d (and -tr/-p/-c), not both');
  if (o.model !== undefined) return resolve(o.model);
  if (o.dataset === undefined) throw new NodeError('CLI_USAGE', 'give the model with -m <model folder or zip>, or with -d <dataset> (and -c, -tr, -p) under $nnUNet_results');
  const datasetDir = datasetFolderIn('nnUNet_results', o.dataset, '-d');
  if (!o.configuration) return datasetDir;
  const { trainer = 'nnUNetTrainer', plansIdentifier = 'nnUNetPlans' } = o;
  const folder = join(datasetDir, `${trainer}__${plansIdentifier}__${o.configuration}`);
  if (!existsSync(folder)) throw new NodeError('MODEL_NOT_FOUND', `no trained model ${folder} (-d ${o.dataset} -tr ${trainer} -p ${plansIdentifier} -c ${o.configuration})`, { file: folder });
  return folder;
}

async function predictFromFolder(modelDir: string, o: PredictCommandOptions, log: (line: string) => void): Promise<number> {
  // find-best's choice applies when no configuration is given: an ensemble runs its members and averages them
  const members = o.configuration ? [] : await chosenConfigurations(modelDir);
  const ensemble = members.length > 1;
  const model = await openModel(modelDir, { configuration: o.configuration, folds: o.folds, checkpoint: o.checkpoint });
  // a cascade model's previous stage (or an ensemble's members) predicts into here first
  const workDir = await mkdtemp(join(tmpdir(), 'nnunet-previous-stage-'));
  try {
    // -num_parts/-part_id: this process takes every num_parts-th case, so several can share a folder
    const cases = findCases(o.input.map((p) => resolve(p)), model.datasetJson.file_ending, Object.keys(channelNames(model.datasetJson)).length)
      .filter((_, i) => i % o.numParts === o.partId);
    // ours or nnU-Net's: the model folder's own, find-best's choice, or the cross-validation of these folds
    const postprocess = o.postprocessing ? await modelPostprocessing(modelDir, model, { requested: o.configuration, ensemble, log }) : null;
    log(`${cases.length} case(s), ${ensemble ? `ensemble of ${members.join(' + ')}` : `configuration ${model.configuration}`}, folds ${model.folds.join(' ')}, ` +
      `mirroring ${o.tta ? 'on' : 'off'}${postprocess ? ', postprocessing from the model' : ''}`);
    const started = Date.now();
    let passStart = started;
    let last = started;
    let current = '';
    const result = await predictChosen(cases, model, members, resolve(o.output), {
      tta: o.tta, stepSize: o.stepSize, saveProbabilities: o.saveProbabilities, continuePrediction: o.continuePrediction,
      postprocess: postprocess ?? undefined, folds: o.folds, checkpoint: o.checkpoint, workDir,
      // one line per finished case with its time and an ETA from the mean so far (of this pass, for a cascade's two)
      progress: (p) => {
        const now = Date.now();
        if (p.done === 0) passStart = now;
        if (p.done > 0 && current) {
          const eta = ((now - passStart) / p.done) * (p.total - p.done) / 1000;
          log(`[${p.done}/${p.total}] ${current} ${((now - last) / 1000).toFixed(2)} s${p.done < p.total ? `, ETA ${eta.toFixed(0)} s` : ''}`);
        }
        last = now;
        current = p.message ?? '';
      },
      log,
      previousStage: o.previousStage && resolve(o.previousStage),
      invocation: { input: o.input.map((p) => resolve(p)), output: resolve(o.output), numParts: o.numParts, partId: o.partId },
    });
    const secs = (Date.now() - started) / 1000;
    log(`${result.written.length} written, ${result.skipped.length} skipped, ${result.failed.length} failed in ${secs.toFixed(1)} s -> ${resolve(o.output)}`);
    for (const f of result.failed) log(`FAILED ${f.case}: ${f.message} [${f.code}]`);
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    closeModel(model);
    await rm(workDir, { recursive: true, force: true });
  }
}

const folds = (v: string, prev: FoldId[] = []): FoldId[] => [...prev, ...v.split(/[ ,]+/).filter(Boolean).map((f) => (f === 'all' ? 'all' as const : int(f)))];

export function register(program: Command): void {
  program
    .command('predict')
    .description('segment new images with a trained model folder (nnUNetv2_predict_from_modelfolder)')
    .requiredOption('-i, --input <paths...>', 'a folder of CASEID_XXXX<ending> images, or image files')
    .requiredOption('-o, --output <dir>', 'output folder: CASEID<ending> label maps')
    .option('-m, --model <dir>', 'model folder or .zip (nnunet export, nnUNetv2_export_model_to_zip), or an nnU-Net results folder (Trainer__Plans__configuration)')
    .option('-d, --dataset <id or name>', 'instead of -m, as nnUNetv2_predict: the dataset under $nnUNet_results (with -c, -tr, -p)')
    .option('--trainer <name>', 'with -d: the trainer (also -tr; default nnUNetTrainer)')
    .option('-p, --plans-identifier <name>', 'with -d: the plans identifier (default nnUNetPlans)')
    .addOption(new Option('--device <device>', "nnU-Net's -device: cpu keeps the backend off the GPU").choices(['cuda', 'cpu', 'mps']))
    .option('-c, --configuration <name>', "configuration (default: find-best's choice, or the only one trained)")
    .option('-f, --folds <folds...>', "folds to average, or 'all' (default: every numbered fold present)", folds)
    .option('--checkpoint <name>', "each fold's checkpoint: our folder or nnU-Net's .pth (-chk checkpoint_best.pth works too)", 'checkpoint_final')
    .option('--no-tta', 'disable test-time mirroring (about 8x faster in 3D; also --disable_tta)')
    .option('--step-size <s>', 'sliding-window step as a fraction of the patch', num, 0.5)
    .option('--save-probabilities', 'also write CASEID.npz (key probabilities) and CASEID.json (properties)')
    .option('--previous-stage <dir>', "cascade: folder with the 3d_lowres predictions (default: the model folder's 3d_lowres predicts them first)")
    .option('--continue-prediction', 'skip cases whose output already exists')
    .option('--no-postprocessing', "do not apply the model's postprocessing.json")
    .option('--num-parts <n>', 'split the cases into this many parts (parallel processes)', positiveInt, 1)
    .option('--part-id <i>', 'which part this process predicts (0-based)', int, 0)
    .addOption(noEffect('--processes <n>', positiveInt))
    .addOption(noEffect('--verbose'))
    .addOption(noEffect('--quiet'))
    .addOption(noEffect('--not-on-device'))
    .action(async (opts: PredictCommandOptions) => {
      process.exitCode = await predictCommand(opts, (l) => process.stdout.write(`${l}\n`));
    });
}

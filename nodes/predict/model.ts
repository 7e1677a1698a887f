/**
 * A trained model on disk, as `nnunet predict -m` reads it:
 *   <model>/plans.json, <model>/dataset.json, <model>/<configuration>/fold_<f>/<checkpoint>/
 * and optionally <model>/inference_information.json (find-best) and <model>/postprocessing.json.
 * A configuration folder (plans.json + dataset.json + fold_<f>/ side by side, nnU-Net's results layout) works too,
 * and each fold's checkpoint may be nnU-Net's own `checkpoint_final.pth` (read by src/interop/pth).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import { readJsonFileAs } from '../../src/util/json-file.js';
import { labelHandling, type LabelHandling } from '../../src/nn/predict/labels.js';
import type { PatchPredictor } from '../../src/nn/predict/sliding-window.js';
import type { UNet } from '../../src/nn/unet/index.js';
import type { DatasetJson } from '../dataset/format.js';
import { allLabels } from '../dataset/labels.js';
import { channelNames } from '../dataset/format.js';
import type { ConfigurationPlan, Plans } from '../plan/format.js';
import { PlansError, resolveConfiguration } from '../plan/resolve.js';

/** One fold's network, ready to predict patches. */
export interface FoldNetwork {
  predictor: PatchPredictor;
  /** test-time mirroring axes stored with the checkpoint; null: all axes of the patch (nnU-Net's default) */
  mirrorAxes: number[] | null;
  /** the network itself when it is one of ours (exporters read its layers and weights) */
  network?: UNet;
  dispose(): void;
}

/** What a loader needs besides the checkpoint to build the network (an nnU-Net .pth holds only the weights). */
export interface NetworkContext {
  config: ConfigurationPlan;
  inputChannels: number;
  numClasses: number;
}

/** checkpoint: our checkpoint folder, or an nnU-Net checkpoint_*.pth file */
export type NetworkLoader = (checkpoint: string, context: NetworkContext) => Promise<FoldNetwork>;

/** A fold number, or 'all' (nnU-Net's model trained on every case). */
export type FoldId = number | 'all';

export interface Model {
  /** the folder holding plans.json and the folds */
  dir: string;
  /** the folder the model was opened from: `dir`, or an nnU-Net dataset results folder holding one folder per configuration */
  root?: string;
  plans: Plans;
  datasetJson: DatasetJson;
  configuration: string;
  config: ConfigurationPlan;
  folds: FoldId[];
  networks: FoldNetwork[];
  handling: LabelHandling;
  numClasses: number;
}

export interface OpenModelOptions {
  configuration?: string;
  folds?: FoldId[];
  checkpoint?: string;
  loader?: NetworkLoader;
}

async function readJson<T>(file: string, what: 'PLANS' | 'DATASET_JSON' | 'INFERENCE_INFORMATION'): Promise<T> {
  if (!existsSync(file)) throw new NodeError(`MODEL_MISSING_${what}`, `missing ${basename(file)} in ${dirname(file)}`, { file });
  return (await readJsonFileAs(file, { what: basename(file) }, { error: NodeError, code: `MODEL_INVALID_${what}` })).value as T;
}

/**
 * The configuration a checkpoint of ours was trained for (its manifest says); undefined for nnU-Net's .pth folds.
 * The checkpoint module loads tfjs: imported here only when a folder's name does not tell, as the network loader is.
 */
async function checkpointConfiguration(dir: string): Promise<string | undefined> {
  const { readCheckpointManifest } = await import('../../src/nn/checkpoint.js');
  return readCheckpointManifest(dir).then((m) => (typeof m.configuration === 'string' ? m.configuration : undefined), () => undefined);
}

/** Numbered folds in order, then 'all'. */
const foldsIn = (dir: string): FoldId[] => {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).map((d) => /^fold_(\d+|all)$/.exec(d)?.[1]).filter((m) => m !== undefined);
  const numbered = names.filter((n) => n !== 'all').map(Number).sort((a, b) => a - b);
  return names.includes('all') ? [...numbered, 'all'] : numbered;
};

interface InferenceInformation {
  all_results?: Record<string, number>;
  best_model_or_ensemble?: {
    selected_model_or_models?: Array<{ configuration: string; trainer?: string; plans_identifier?: string }>;
    postprocessing_file?: string;
  };
}

async function inferenceInformation(dir: string): Promise<InferenceInformation> {
  const info = join(dir, 'inference_information.json');
  return existsSync(info) ? readJson<InferenceInformation>(info, 'INFERENCE_INFORMATION') : {};
}

/** The configurations find-best chose (two for an ensemble), from the model folder's inference_information.json. */
export async function chosenConfigurations(dir: string): Promise<string[]> {
  return ((await inferenceInformation(dir)).best_model_or_ensemble?.selected_model_or_models ?? []).map((m) => m.configuration);
}

/** Cross-validation foreground Dice by configuration, from inference_information.json's all_results (single models). */
export async function crossValidationScores(dir: string): Promise<Map<string, number>> {
  const all = (await inferenceInformation(dir)).all_results ?? {};
  return new Map(Object.entries(all).filter(([id]) => !id.startsWith('ensemble___')).map(([id, score]) => [id.split('__').pop()!, score]));
}

/** The postprocessing file find-best named (nnU-Net: an absolute path on the machine that ran it). */
export async function chosenPostprocessing(dir: string): Promise<string | undefined> {
  return (await inferenceInformation(dir)).best_model_or_ensemble?.postprocessing_file;
}

/**
 * nnU-Net's dataset results folder (nnUNet_results/DatasetXXX) holds one <Trainer>__<Plans>__<configuration> folder per
 * trained configuration: the one asked for, else find-best's choice (with its trainer and plans), else the only one.
 */
async function configurationFolder(dir: string, configuration: string | undefined): Promise<{ dir: string; configuration: string } | null> {
  if (!existsSync(dir)) return null;
  const folders = readdirSync(dir).filter((d) => /^.+__.+__.+$/.test(d) && existsSync(join(dir, d, 'plans.json')));
  if (folders.length === 0) return null;
  const selected = (await inferenceInformation(dir)).best_model_or_ensemble?.selected_model_or_models ?? [];
  const wanted = configuration ?? selected[0]?.configuration;
  const ref = selected.find((m) => m.configuration === wanted && m.trainer && m.plans_identifier);
  const matches = ref ? folders.filter((d) => d === `${ref.trainer}__${ref.plans_identifier}__${wanted}`)
    : wanted ? folders.filter((d) => d.endsWith(`__${wanted}`)) : folders;
  if (matches.length !== 1) {
    throw new NodeError('MODEL_CONFIGURATION_REQUIRED', `${dir} is an nnU-Net dataset results folder with ${matches.length === 0 ? `no folder for ${wanted ?? 'any configuration'}` : `several candidates (${matches.join(', ')})`}; ` +
      'choose one with -c, or give its <Trainer>__<Plans>__<configuration> folder to -m', { file: dir });
  }
  return { dir: join(dir, matches[0]), configuration: matches[0].split('__').pop()! };
}

/** Which configuration to use when none is given: find-best's choice, else the only one present. */
async function defaultConfiguration(dir: string, plans: Plans): Promise<string> {
  const [chosen] = await chosenConfigurations(dir);
  if (chosen) return chosen;
  const present = Object.keys(plans.configurations).filter((c) => foldsIn(join(dir, c)).length > 0);
  if (present.length !== 1) {
    throw new NodeError('MODEL_CONFIGURATION_REQUIRED',
      `${dir} holds ${present.length === 0 ? 'no trained configuration' : `configurations ${present.join(', ')}`}; choose one with -c`);
  }
  return present[0];
}

/** nnU-Net names result folders <Trainer>__<Plans>__<configuration>; our fold checkpoints name it too. */
async function flatConfiguration(dir: string, plans: Plans): Promise<string> {
  // the part after the last '__' (the first '__' would also take the plans name)
  const named = basename(dir).includes('__') ? basename(dir).split('__').pop() : undefined;
  if (named && named in plans.configurations) return named;
  const all = Object.keys(plans.configurations);
  if (all.length === 1) return all[0];
  const trained = await Promise.all(foldsIn(dir).map((f) => checkpointConfiguration(join(dir, `fold_${f}`, 'checkpoint_final'))));
  if (trained[0] && trained.every((c) => c === trained[0]) && trained[0] in plans.configurations) return trained[0];
  throw new NodeError('MODEL_CONFIGURATION_REQUIRED', `cannot tell which configuration ${dir} holds; choose one with -c`);
}

export async function openModel(dir: string, opts: OpenModelOptions = {}): Promise<Model> {
  const inner = existsSync(join(dir, 'plans.json')) ? null : await configurationFolder(dir, opts.configuration);
  if (inner) return { ...(await openModel(inner.dir, { ...opts, configuration: inner.configuration })), root: dir };
  const plans = await readJson<Plans>(join(dir, 'plans.json'), 'PLANS');
  const datasetJson = await readJson<DatasetJson>(join(dir, 'dataset.json'), 'DATASET_JSON');
  const flat = foldsIn(dir).length > 0;
  const configuration = opts.configuration ?? (flat ? await flatConfiguration(dir, plans) : await defaultConfiguration(dir, plans));
  const foldRoot = flat ? dir : join(dir, configuration);
  const config = modelConfiguration(join(dir, 'plans.json'), plans, configuration);
  const available = foldsIn(foldRoot);
  // nnU-Net's auto-detection leaves fold_all out unless asked for (-f all)
  const numbered = available.filter((f) => f !== 'all');
  const folds = opts.folds ?? (numbered.length > 0 ? numbered : available);
  const missing = folds.filter((f) => !available.includes(f));
  if (folds.length === 0 || missing.length > 0) {
    throw new NodeError('MODEL_MISSING_FOLDS',
      `${foldRoot}: fold(s) ${missing.join(', ') || '(none)'} not found (available: ${available.join(', ') || 'none'})`, { file: foldRoot });
  }
  const labels = datasetJson?.labels;
  if (typeof labels !== 'object' || labels === null || !(datasetJson.channel_names ?? datasetJson.modality)) {
    const file = join(dir, 'dataset.json');
    throw new NodeError('MODEL_INVALID_DATASET_JSON', `${file}: needs "labels" and "channel_names" objects to predict`, { file });
  }
  const handling = labelHandling(labels, datasetJson.regions_class_order);
  const numClasses = handling.regionsClassOrder ? handling.regionsClassOrder.length : allLabels(labels).length;
  const context: NetworkContext = { config, inputChannels: Object.keys(channelNames(datasetJson)).length, numClasses };
  const loader = opts.loader ?? (await import('./load-network.js')).loadFoldNetwork;
  const networks: FoldNetwork[] = [];
  try {
    for (const f of folds) networks.push(await loader(findCheckpoint(join(foldRoot, `fold_${f}`), opts.checkpoint ?? 'checkpoint_final'), context));
  } catch (e) {
    for (const n of networks) n.dispose();
    throw e;
  }
  return { dir, plans, datasetJson, configuration, config, folds, networks, handling, numClasses };
}

/** The configuration's plan, with every problem of plans.json named as that file's (not an internal error). */
function modelConfiguration(file: string, plans: Plans, configuration: string): ConfigurationPlan {
  const invalid = (message: string, path?: string, cause?: unknown) => new NodeError('MODEL_INVALID_PLANS', `${file}: ${message}`, { file, path }, { cause });
  if (typeof plans?.configurations !== 'object' || plans.configurations === null) throw invalid('no "configurations" object', '/configurations');
  let config: ConfigurationPlan;
  try {
    config = resolveConfiguration(plans, configuration);
  } catch (err) {
    if (err instanceof PlansError) throw invalid(err.message, err.context.path, err);
    throw err;
  }
  if (typeof config.architecture !== 'object' || config.architecture === null) {
    throw invalid(`configuration '${configuration}' has no "architecture" (nor old-format UNet_class_name keys): the network cannot be built`,
      `/configurations/${configuration}/architecture`);
  }
  return config;
}

/**
 * A fold's checkpoint by name: our checkpoint folder (`checkpoint_final`) or nnU-Net's file (`checkpoint_final.pth`),
 * whichever the fold has; `-chk checkpoint_best.pth` and `--checkpoint checkpoint_best` name the same checkpoint.
 */
export function findCheckpoint(foldDir: string, name: string): string {
  const base = name.replace(/\.pth$/, '');
  const candidates = name.endsWith('.pth') ? [`${base}.pth`, base] : [base, `${base}.pth`];
  const found = candidates.map((c) => join(foldDir, c)).find((c) => existsSync(c));
  if (!found) {
    throw new NodeError('MODEL_MISSING_CHECKPOINT', `missing checkpoint ${join(foldDir, base)} (neither our checkpoint folder nor nnU-Net's ${base}.pth)`, { file: join(foldDir, base) });
  }
  return found;
}

export function closeModel(model: Model): void {
  for (const n of model.networks) n.dispose();
}

/**
 * A trained model on disk, as `nnunet predict -m` reads it:
 *   <model>/plans.json, <model>/dataset.json, <model>/<configuration>/fold_<f>/<checkpoint>/
 * and optionally <model>/inference_information.json (find-best) and <model>/postprocessing.json.
 * A configuration folder (plans.json + dataset.json + fold_<f>/ side by side, nnU-Net's results layout) works too.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import { labelHandling, type LabelHandling } from '../../src/nn/predict/labels.js';
import type { PatchPredictor } from '../../src/nn/predict/sliding-window.js';
import type { UNet } from '../../src/nn/unet/index.js';
import type { DatasetJson } from '../dataset/format.js';
import { allLabels } from '../dataset/labels.js';
import type { ConfigurationPlan, Plans } from '../plan/format.js';
import { resolveConfiguration } from '../plan/resolve.js';

/** One fold's network, ready to predict patches. */
export interface FoldNetwork {
  predictor: PatchPredictor;
  /** test-time mirroring axes stored with the checkpoint; null: all axes of the patch (nnU-Net's default) */
  mirrorAxes: number[] | null;
  /** the network itself when it is one of ours (exporters read its layers and weights) */
  network?: UNet;
  dispose(): void;
}

export type NetworkLoader = (checkpointDir: string) => Promise<FoldNetwork>;

/** A fold number, or 'all' (nnU-Net's model trained on every case). */
export type FoldId = number | 'all';

export interface Model {
  dir: string;
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

async function readJson<T>(file: string, code: string): Promise<T> {
  if (!existsSync(file)) throw new NodeError(code, `missing ${basename(file)} in ${dirname(file)}`, { file });
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (cause) {
    throw new NodeError(code, `cannot parse ${file}: ${(cause as Error).message}`, { file }, { cause });
  }
}

/** Numbered folds in order, then 'all'. */
const foldsIn = (dir: string): FoldId[] => {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).map((d) => /^fold_(\d+|all)$/.exec(d)?.[1]).filter((m) => m !== undefined);
  const numbered = names.filter((n) => n !== 'all').map(Number).sort((a, b) => a - b);
  return names.includes('all') ? [...numbered, 'all'] : numbered;
};

/** The configurations find-best chose (two for an ensemble), from the model folder's inference_information.json. */
export async function chosenConfigurations(dir: string): Promise<string[]> {
  const info = join(dir, 'inference_information.json');
  if (!existsSync(info)) return [];
  const parsed = await readJson<{ best_model_or_ensemble?: { selected_model_or_models?: Array<{ configuration: string }> } }>(info, 'MODEL_BAD_INFERENCE_INFORMATION');
  return (parsed.best_model_or_ensemble?.selected_model_or_models ?? []).map((m) => m.configuration);
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

/** nnU-Net names result folders <Trainer>__<Plans>__<configuration>. */
function flatConfiguration(dir: string, plans: Plans): string {
  // the part after the last '__' (the first '__' would also take the plans name)
  const named = basename(dir).includes('__') ? basename(dir).split('__').pop() : undefined;
  if (named && named in plans.configurations) return named;
  const all = Object.keys(plans.configurations);
  if (all.length === 1) return all[0];
  throw new NodeError('MODEL_CONFIGURATION_REQUIRED', `cannot tell which configuration ${dir} holds; choose one with -c`);
}

export async function openModel(dir: string, opts: OpenModelOptions = {}): Promise<Model> {
  const plans = await readJson<Plans>(join(dir, 'plans.json'), 'MODEL_MISSING_PLANS');
  const datasetJson = await readJson<DatasetJson>(join(dir, 'dataset.json'), 'MODEL_MISSING_DATASET_JSON');
  const flat = foldsIn(dir).length > 0;
  const configuration = opts.configuration ?? (flat ? flatConfiguration(dir, plans) : await defaultConfiguration(dir, plans));
  const foldRoot = flat ? dir : join(dir, configuration);
  const config = resolveConfiguration(plans, configuration);
  const available = foldsIn(foldRoot);
  // nnU-Net's auto-detection leaves fold_all out unless asked for (-f all)
  const numbered = available.filter((f) => f !== 'all');
  const folds = opts.folds ?? (numbered.length > 0 ? numbered : available);
  const missing = folds.filter((f) => !available.includes(f));
  if (folds.length === 0 || missing.length > 0) {
    throw new NodeError('MODEL_MISSING_FOLDS',
      `${foldRoot}: fold(s) ${missing.join(', ') || '(none)'} not found (available: ${available.join(', ') || 'none'})`, { file: foldRoot });
  }
  const checkpoint = opts.checkpoint ?? 'checkpoint_final';
  const loader = opts.loader ?? (await import('./load-network.js')).loadFoldNetwork;
  const networks: FoldNetwork[] = [];
  try {
    for (const f of folds) {
      const ckpt = join(foldRoot, `fold_${f}`, checkpoint);
      if (!existsSync(ckpt)) throw new NodeError('MODEL_MISSING_CHECKPOINT', `missing checkpoint ${ckpt}`, { file: ckpt });
      networks.push(await loader(ckpt));
    }
  } catch (e) {
    for (const n of networks) n.dispose();
    throw e;
  }
  const labels = datasetJson.labels;
  const handling = labelHandling(labels, datasetJson.regions_class_order);
  const numClasses = handling.regionsClassOrder ? handling.regionsClassOrder.length : allLabels(labels).length;
  return { dir, plans, datasetJson, configuration, config, folds, networks, handling, numClasses };
}

export function closeModel(model: Model): void {
  for (const n of model.networks) n.dispose();
}

/**
 * Where a training run's data comes from: the upstream artifacts of a pipeline (plan, split, dataset, one
 * preprocess artifact per case), or a preprocessed folder in nnU-Net's layout. Both resolve to the same record.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type ActionContext } from '../../src/engine/index.js';
import type { CaseRef } from '../../src/nn/train/index.js';
import type { DatasetJson } from '../dataset/format.js';
import type { Plans } from '../plan/format.js';
import { resolveConfiguration } from '../plan/resolve.js';
import { fallbackSplit, kfoldSplits, sortIds, type Fold } from '../split/kfold.js';
import { collectNextStageSegs, requirePreviousStage } from '../validate/next-stage.js';
import type { TrainFoldParams } from './params.js';

export interface TrainingData {
  plans: Plans;
  datasetJson: DatasetJson;
  /** every preprocessed case of the configuration */
  cases: CaseRef[];
  /** null: too few cases for nnU-Net's 5-fold split and no splits_final.json */
  splits: Fold[] | null;
}

async function readJson<T>(file: string, code: string, what: string): Promise<T> {
  if (!existsSync(file)) throw new NodeError(code, `${what} not found: ${file}`, { file });
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (cause) {
    throw new NodeError(code, `${file} is not valid JSON`, { file }, { cause });
  }
}

export async function fromPipeline(ctx: ActionContext<TrainFoldParams>): Promise<TrainingData> {
  const planDir = ctx.input('plan').dir;
  const plans = await readJson<Plans>(join(planDir, 'nnUNetPlans.json'), 'TRAIN_PLANS_MISSING', 'nnUNetPlans.json');
  const datasetFile = existsSync(join(planDir, 'dataset.json')) ? join(planDir, 'dataset.json') : join(ctx.input('dataset').dir, 'dataset.json');
  const datasetJson = await readJson<DatasetJson>(datasetFile, 'TRAIN_DATASET_JSON_MISSING', 'dataset.json');
  const splits = await readJson<Fold[]>(join(ctx.input('split').dir, 'splits_final.json'), 'TRAIN_SPLITS_MISSING', 'splits_final.json');
  const cases = (ctx.inputs.preprocess ?? [])
    .filter((a) => a.item && (a.matrix.configuration === undefined || a.matrix.configuration === ctx.params.configuration))
    .map((a) => ({ id: a.item!.id, dir: a.dir }));
  return { plans, datasetJson, cases, splits };
}

/** nnU-Net's preprocessed folder: nnUNetPlans.json, dataset.json, splits_final.json (optional), <data_identifier>/. */
export async function fromFolder(dir: string, configuration: string): Promise<TrainingData> {
  const plans = await readJson<Plans>(join(dir, 'nnUNetPlans.json'), 'TRAIN_PLANS_MISSING', 'nnUNetPlans.json');
  const datasetJson = await readJson<DatasetJson>(join(dir, 'dataset.json'), 'TRAIN_DATASET_JSON_MISSING', 'dataset.json');
  const dataDir = join(dir, resolveConfiguration(plans, configuration).data_identifier);
  if (!existsSync(dataDir)) throw new NodeError('TRAIN_DATA_MISSING', `no preprocessed data for ${configuration}: ${dataDir} does not exist`, { file: dataDir });
  const ids = (await readdir(dataDir)).filter((f) => f.endsWith('_seg.npy')).map((f) => f.slice(0, -'_seg.npy'.length)).sort();
  const splitsFile = join(dir, 'splits_final.json');
  // fewer than 5 cases make no 5-fold split (sklearn's KFold raises in nnU-Net too); fold 'all' needs none
  const splits = existsSync(splitsFile) ? await readJson<Fold[]>(splitsFile, 'TRAIN_SPLITS_MISSING', 'splits_final.json')
    : ids.length >= 5 ? kfoldSplits(ids) : null;
  return { plans, datasetJson, cases: ids.map((id) => ({ id, dir: dataDir })), splits };
}

/** The fold's training and validation cases (spec §5.1: 'all', a listed fold, or the seeded 80:20 fallback). */
export function foldCases(data: TrainingData, fold: number | 'all'): { train: CaseRef[]; val: CaseRef[] } {
  const byId = new Map(data.cases.map((c) => [c.id, c]));
  const ids = sortIds([...byId.keys()]);
  if (fold !== 'all' && data.splits === null) {
    throw new NodeError('TRAIN_TOO_FEW_CASES', `${ids.length} case(s) cannot make nnU-Net's 5 folds: add a splits_final.json or train fold 'all'`);
  }
  const split: Fold = fold === 'all' ? { train: ids, val: ids } : data.splits![fold] ?? fallbackSplit(ids, fold);
  const missing = [...split.train, ...split.val].filter((id) => !byId.has(id));
  if (missing.length) {
    throw new NodeError('TRAIN_MISSING_CASES', `fold ${fold}: no preprocessed data for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5} more)` : ''}`,
      {}, { issues: missing.map((id) => ({ code: 'TRAIN_MISSING_CASES', item: id, message: `no preprocessed data for case ${id}` })) });
  }
  if (split.train.length === 0 || split.val.length === 0) {
    throw new NodeError('TRAIN_EMPTY_FOLD', `fold ${fold} has ${split.train.length} training and ${split.val.length} validation cases; both must be non-empty`);
  }
  return { train: split.train.map((id) => byId.get(id)!), val: split.val.map((id) => byId.get(id)!) };
}

/**
 * spec §7: a cascade stage's cases with their previous-stage segmentations, from artifacts holding
 * predicted_next_stage/<configuration>/ (the previous stage's validation, all folds, so every case's segmentation
 * is out-of-fold). Any case without one is an error naming it.
 */
export async function withPreviousStage(fold: { train: CaseRef[]; val: CaseRef[] }, roots: readonly string[], configuration: string,
  previous: string | undefined, node?: string): Promise<{ train: CaseRef[]; val: CaseRef[] }> {
  if (!previous) return fold;
  const segs = await collectNextStageSegs(roots, configuration, 'TRAIN_PREVIOUS_STAGE_DUPLICATE');
  requirePreviousStage(segs, [...fold.train, ...fold.val].map((c) => c.id), configuration, previous, 'TRAIN_PREVIOUS_STAGE_MISSING', node);
  const add = (c: CaseRef): CaseRef => ({ ...c, previousStage: segs.get(c.id)! });
  return { train: fold.train.map(add), val: fold.val.map(add) };
}

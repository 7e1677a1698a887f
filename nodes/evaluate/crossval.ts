// spec §8 step 2: gather the folds' validation predictions of one configuration and evaluate them together
// (nnU-Net's accumulate_crossval_results -> crossval_results_folds_0_1_2_3_4/summary.json).
import { readdirSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import { parseSummary, summarize, summaryToJson, type CaseMetrics, type LabelOrRegion, type Summary } from './summary.js';

export interface FoldValidation {
  fold: number;
  /** the validate action's output (holds validation/) */
  dir: string;
}

export interface CrossvalInfo {
  configuration: string;
  trainer: string;
  plans: string;
  folds: number[];
  /** <trainer>__<plans>__<configuration>, nnU-Net's model folder name */
  model_id: string;
}

export const crossvalFolder = (folds: readonly number[]): string => `crossval_results_folds_${folds.join('_')}`;
export const modelId = (trainer: string, plans: string, configuration: string): string => `${trainer}__${plans}__${configuration}`;

/** Keys in label order from the first fold's summary (the label set is the dataset's, the same in every fold). */
function targetsOf(s: Summary): LabelOrRegion[] {
  return Object.keys(s.mean).map((k) => (k.startsWith('(') ? k.slice(1, -1).split(',').filter((x) => x.trim()).map(Number) : Number(k)));
}

export async function accumulateCrossval(folds: FoldValidation[], info: Omit<CrossvalInfo, 'folds' | 'model_id'>, outDir: string): Promise<{ summary: Summary; info: CrossvalInfo }> {
  if (folds.length === 0) throw new NodeError('CROSSVAL_NO_FOLDS', `no validated folds for ${info.configuration}`);
  const sorted = [...folds].sort((a, b) => a.fold - b.fold);
  const foldIds = sorted.map((f) => f.fold);
  const dup = foldIds.find((f, i) => foldIds.indexOf(f) !== i);
  if (dup !== undefined) throw new NodeError('CROSSVAL_DUPLICATE_FOLD', `fold ${dup} of ${info.configuration} was given twice`);
  const target = join(outDir, crossvalFolder(foldIds));
  await mkdir(target, { recursive: true });
  const cases: CaseMetrics[] = [];
  let targets: LabelOrRegion[] = [];
  for (const f of sorted) {
    const dir = join(f.dir, 'validation');
    for (const file of readdirSync(dir).filter((x) => x !== 'summary.json')) await copyFile(join(dir, file), join(target, file));
    const s = parseSummary(await readFile(join(dir, 'summary.json'), 'utf8'));
    if (targets.length === 0) targets = targetsOf(s);
    cases.push(...s.metric_per_case);
  }
  // nnU-Net re-evaluates the merged folder, whose files it lists sorted
  cases.sort((a, b) => (a.prediction_file < b.prediction_file ? -1 : a.prediction_file > b.prediction_file ? 1 : 0));
  const summary = summarize(cases, targets);
  await writeFile(join(target, 'summary.json'), summaryToJson(summary));
  const full: CrossvalInfo = { ...info, folds: foldIds, model_id: modelId(info.trainer, info.plans, info.configuration) };
  await writeFile(join(outDir, 'crossval.json'), JSON.stringify(full, null, 2));
  return { summary, info: full };
}

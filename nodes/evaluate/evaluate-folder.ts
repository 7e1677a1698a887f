// spec §10 (compute_metrics_on_folder): pair prediction files with equally named reference files and summarise.
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type Issue } from '../../src/engine/errors.js';
import { readSegmentation } from '../../src/imaging/index.js';
import type { LabelValue } from '../dataset/format.js';
import { locationTargets } from '../preprocess/label-targets.js';
import { caseMetrics, summarize, summaryToJson, type LabelOrRegion, type Summary } from './summary.js';

/** Foreground labels, or foreground regions for region datasets, in dataset.json order (nnU-Net's evaluation targets). */
export function evaluationTargets(labels: Record<string, LabelValue>): LabelOrRegion[] {
  // the class-location targets are exactly these, plus the annotated-area key when there is an ignore label
  const targets = locationTargets(labels);
  return 'ignore' in labels ? targets.slice(0, -1) : targets;
}

export const ignoreLabelOf = (labels: Record<string, LabelValue>): number | null =>
  typeof labels.ignore === 'number' ? labels.ignore : null;

export interface EvaluateFolderOptions {
  targets: readonly LabelOrRegion[];
  ignoreLabel: number | null;
  fileEnding: string;
  /** allow reference files without a prediction (nnU-Net's --chill); without it every reference needs one */
  chill?: boolean;
  /** write summary.json here */
  outputFile?: string;
}

export async function evaluateFolder(predDir: string, refDir: string, o: EvaluateFolderOptions): Promise<Summary> {
  if (!existsSync(predDir)) throw new NodeError('EVALUATE_NOT_FOUND', `prediction folder ${predDir} does not exist`, { file: predDir });
  const files = readdirSync(predDir).filter((f) => f.endsWith(o.fileEnding)).sort();
  // nnU-Net's compute_metrics_on_folder: without chill, every reference needs its prediction; a prediction without
  // a reference it cannot evaluate at all (nnU-Net fails reading it)
  const unmatched = (names: string[], dir: string) => names.filter((f) => !existsSync(join(dir, f)));
  const noReference = unmatched(files, refDir);
  if (noReference.length > 0) {
    const issues: Issue[] = noReference.map((f) => ({ code: 'EVALUATE_MISSING_REFERENCE', file: join(refDir, f), message: `no reference for ${f}` }));
    throw new NodeError('EVALUATE_MISSING_REFERENCE', `${noReference.length} prediction(s) without a reference in ${refDir}: ${noReference.slice(0, 5).join(', ')}`, { file: refDir }, { issues });
  }
  const noPrediction = o.chill ? [] : unmatched(readdirSync(refDir).filter((f) => f.endsWith(o.fileEnding)).sort(), predDir);
  if (noPrediction.length > 0) {
    const issues: Issue[] = noPrediction.map((f) => ({ code: 'EVALUATE_MISSING_PREDICTION', file: join(predDir, f), message: `no prediction for ${f}` }));
    throw new NodeError('EVALUATE_MISSING_PREDICTION', `${noPrediction.length} reference(s) in ${refDir} without a prediction in ${predDir}: ${noPrediction.slice(0, 5).join(', ')}`
      + `${noPrediction.length > 5 ? ` and ${noPrediction.length - 5} more` : ''} (--chill evaluates the predictions there are)`, { file: predDir }, { issues });
  }
  const cases = [];
  for (const f of files) {
    const pred = await readSegmentation(join(predDir, f));
    const ref = await readSegmentation(join(refDir, f));
    if (pred.data.length !== ref.data.length) {
      throw new NodeError('EVALUATE_SHAPE_MISMATCH', `${f}: prediction shape [${pred.shape}] != reference shape [${ref.shape}]`, { file: join(predDir, f) });
    }
    cases.push(caseMetrics(ref.data, pred.data, o.targets, o.ignoreLabel, { prediction_file: join(predDir, f), reference_file: join(refDir, f) }));
  }
  if (cases.length === 0) throw new NodeError('EVALUATE_NO_CASES', `no ${o.fileEnding} predictions in ${predDir}`, { file: predDir });
  const summary = summarize(cases, o.targets);
  if (o.outputFile) await writeFile(o.outputFile, summaryToJson(summary));
  return summary;
}

// spec §8: compare configurations and their pairwise ensembles on cross-validation foreground Dice.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import { readSegmentation } from '../../src/imaging/index.js';
import { labelHandling } from '../../src/nn/predict/labels.js';
import type { DatasetJson } from '../dataset/format.js';
import { crossvalFolder, type CrossvalInfo } from '../evaluate/crossval.js';
import { evaluationTargets, ignoreLabelOf } from '../evaluate/evaluate-folder.js';
import { caseMetrics, parseSummary, summarize, summaryToJson, type CaseMetrics } from '../evaluate/summary.js';
import { pyJsonStringify } from '../../src/util/py-json.js';
import { ensembleFolders } from '../ensemble/ensemble-folders.js';
import { configurationRank, ensembleId, pairs, pickBest, type Candidate } from './select.js';

export interface CrossvalResult {
  info: CrossvalInfo;
  /** the evaluate action's output */
  dir: string;
}

export interface ScoredCandidate extends Candidate {
  members: CrossvalInfo[];
  /** folder (relative to find-best's output, or absolute for single configurations) with the CV predictions */
  source: string;
}

export interface FindBestResult {
  best: ScoredCandidate;
  all: ScoredCandidate[];
}

export interface FindBestOptions {
  crossvals: CrossvalResult[];
  datasetJson: DatasetJson;
  /** the dataset folder's name (Dataset004_Hippocampus), as nnU-Net's find_best_configuration is given it */
  datasetName: string;
  /** raw label file by case id */
  references: Map<string, string>;
  outDir: string;
  ensembling: boolean;
  log?: (m: string) => void;
}

export async function findBest(o: FindBestOptions): Promise<FindBestResult> {
  if (o.crossvals.length === 0) throw new NodeError('FIND_BEST_NO_CANDIDATES', 'no evaluated configuration to choose from');
  const models = [...o.crossvals].sort((a, b) => configurationRank(a.info.configuration) - configurationRank(b.info.configuration));
  checkCandidates(models.map((m) => m.info));
  const folds = models[0].info.folds;
  const all: ScoredCandidate[] = [];
  for (const m of models) {
    const source = join(m.dir, crossvalFolder(m.info.folds));
    const s = parseSummary(await readFile(join(source, 'summary.json'), 'utf8'));
    all.push({ id: m.info.model_id, score: s.foreground_mean.Dice, members: [m.info], source });
  }
  if (o.ensembling && models.length > 1) {
    const handling = labelHandling(o.datasetJson.labels, o.datasetJson.regions_class_order);
    const targets = evaluationTargets(o.datasetJson.labels);
    const ignore = ignoreLabelOf(o.datasetJson.labels);
    for (const [a, b] of pairs(models)) {
      const id = ensembleId(a.info.model_id, b.info.model_id, folds);
      const rel = join('ensembles', id);
      const cases: CaseMetrics[] = [];
      await ensembleFolders([join(a.dir, crossvalFolder(a.info.folds)), join(b.dir, crossvalFolder(b.info.folds))], join(o.outDir, rel), {
        handling, fileEnding: o.datasetJson.file_ending,
        onCase: async (caseId, seg) => {
          const refFile = o.references.get(caseId);
          if (!refFile) throw new NodeError('FIND_BEST_NO_REFERENCE', `no reference label for case ${caseId}`, { item: caseId });
          const ref = await readSegmentation(refFile);
          const file = caseId + o.datasetJson.file_ending;
          cases.push(caseMetrics(ref.data, seg, targets, ignore, { prediction_file: file, reference_file: file }));
        },
      });
      const summary = summarize(cases, targets);
      await writeFile(join(o.outDir, rel, 'summary.json'), summaryToJson(summary));
      all.push({ id, score: summary.foreground_mean.Dice, members: [a.info, b.info], source: rel });
      o.log?.(`${id}: ${summary.foreground_mean.Dice.toFixed(4)}`);
    }
  }
  const best = pickBest(all);
  await mkdir(o.outDir, { recursive: true });
  const info = inferenceInformation(best, all, models.map((m) => m.info), folds, o);
  await writeFile(join(o.outDir, 'inference_information.json'), inferenceInformationJson(info));
  await writeFile(join(o.outDir, 'inference_instructions.txt'), instructions(best, folds));
  return { best, all };
}

/**
 * Candidates gathered from several evaluate nodes (e.g. 2d/3d_fullres and the cascade's stages) must be distinct models
 * cross-validated on the same folds: ensembles pair their predictions case by case (spec §8 uses one fold list).
 */
function checkCandidates(infos: readonly CrossvalInfo[]): void {
  const seen = new Set<string>();
  for (const m of infos) {
    if (seen.has(m.model_id)) throw new NodeError('FIND_BEST_DUPLICATE_MODEL', `${m.model_id} was evaluated twice (two evaluate actions of ${m.configuration})`);
    seen.add(m.model_id);
    if (m.folds.join() !== infos[0].folds.join()) {
      throw new NodeError('FIND_BEST_FOLDS_DIFFER',
        `${m.model_id} was cross-validated on folds ${m.folds.join(', ')}, ${infos[0].model_id} on ${infos[0].folds.join(', ')}: candidates need the same folds`);
    }
  }
}

const modelRef = (m: CrossvalInfo) => ({ configuration: m.configuration, trainer: m.trainer, plans_identifier: m.plans });

/**
 * nnU-Net's return value of find_best_configuration. The post-postprocessing score is the postprocess node's: the
 * export node adds it (result_on_crossval_post_pp); file entries are names inside an exported model folder.
 */
function inferenceInformation(best: ScoredCandidate, all: ScoredCandidate[], considered: CrossvalInfo[], folds: number[], o: FindBestOptions) {
  return {
    folds,
    dataset_name_or_id: o.datasetName,
    considered_models: considered.map((m) => ({ plans: m.plans, configuration: m.configuration, trainer: m.trainer })),
    ensembling_allowed: o.ensembling,
    all_results: Object.fromEntries(all.map((c) => [c.id, c.score])),
    best_model_or_ensemble: {
      result_on_crossval_pre_pp: best.score,
      postprocessing_file: 'postprocessing.json',
      some_plans_file: 'plans.json',
      selected_model_or_models: best.members.map(modelRef),
    },
  };
}

/** inference_information.json as nnU-Net's save_json writes it: sorted keys, indent 4, scores as Python floats. */
export function inferenceInformationJson(info: unknown): string {
  return pyJsonStringify(info, { isFloat: (p) => p[0] === 'all_results' || /^result_on_crossval_/.test(p[p.length - 1]), sortKeys: () => true });
}

function instructions(best: ScoredCandidate, folds: number[]): string {
  const f = folds.join(' ');
  const lines = ['Run inference like this:', ''];
  if (best.members.length === 1) {
    lines.push(`nnunet predict -i INPUT_FOLDER -o OUTPUT_FOLDER -m MODEL_FOLDER -c ${best.members[0].configuration} -f ${f}`);
  } else {
    best.members.forEach((m, i) => lines.push(
      `nnunet predict -i INPUT_FOLDER -o OUTPUT_FOLDER_MODEL_${i + 1} -m MODEL_FOLDER -c ${m.configuration} -f ${f} --save-probabilities --no-postprocessing`));
    lines.push('', `nnunet ensemble -i ${best.members.map((_, i) => `OUTPUT_FOLDER_MODEL_${i + 1}`).join(' ')} -o OUTPUT_FOLDER_ENSEMBLE -m MODEL_FOLDER`);
  }
  lines.push('', 'Postprocessing (from MODEL_FOLDER/postprocessing.json) is applied by nnunet predict/ensemble -m unless --no-postprocessing.', '');
  return lines.join('\n');
}

// spec §7 inference: a cascade stage predicts from its previous stage's segmentations. nnU-Net runs the lowres
// prediction by hand and passes -prev_stage_predictions; when the previous stage's model is at hand (nnunet export puts
// 3d_lowres beside 3d_cascade_fullres) it runs first here, so `nnunet predict -m` needs no extra flag.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import type { CaseFiles } from './cases.js';
import { closeModel, openModel, type FoldId, type Model, type NetworkLoader } from './model.js';
import { predictFolder, type PredictFolderOptions, type PredictFolderResult } from './predict-folder.js';

export interface PredictCasesOptions extends PredictFolderOptions {
  /** folds for the previous stage too (default: every numbered fold it has) */
  folds?: FoldId[];
  checkpoint?: string;
  loader?: NetworkLoader;
  /** empty-able folder for the previous stage's segmentations when they are predicted here */
  workDir: string;
}

/**
 * Where the previous stage's model is: inside an exported model folder (<model>/<previous>/fold_<f>/), or beside an
 * nnU-Net results folder (<Trainer>__<Plans>__3d_cascade_fullres next to <Trainer>__<Plans>__3d_lowres).
 */
function previousStageDir(dir: string, configuration: string, previous: string): string | null {
  if (existsSync(join(dir, previous))) return dir;
  const name = basename(dir);
  if (!name.endsWith(`__${configuration}`)) return null;
  const sibling = join(dirname(dir), `${name.slice(0, -configuration.length)}${previous}`);
  return existsSync(join(sibling, 'plans.json')) ? sibling : null;
}

/**
 * Predicts `cases` with `model`. For a cascade stage without an explicit previous-stage folder, the model folder's
 * previous stage predicts them first (same folds, mirroring and step size; no postprocessing, as nnU-Net's separate
 * lowres run) into `workDir`; a case that fails there fails as a whole.
 */
export async function predictCases(cases: CaseFiles[], model: Model, outDir: string, opts: PredictCasesOptions): Promise<PredictFolderResult> {
  const { folds, checkpoint, loader, workDir, ...folderOpts } = opts;
  const previous = model.config.previous_stage;
  if (!previous || opts.previousStage) return predictFolder(cases, model, outDir, folderOpts);
  const stageDir = previousStageDir(model.dir, model.configuration, previous);
  if (!stageDir) {
    throw new NodeError('PREDICT_MISSING_PREVIOUS_STAGE', `configuration ${model.configuration} is a cascade stage and neither ${model.dir} nor a ` +
      `sibling results folder holds ${previous}: give its predictions with --previous-stage, or export the model with its ${previous} folds`, { file: model.dir });
  }
  const ending = model.datasetJson.file_ending;
  const todo = opts.continuePrediction ? cases.filter((c) => !existsSync(join(outDir, c.id + ending))) : cases;
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const stage = await openModel(stageDir, { configuration: previous, folds, checkpoint, loader });
  let first: PredictFolderResult;
  try {
    opts.log?.(`${previous} first (folds ${stage.folds.join(' ')}): its segmentations are ${model.configuration}'s input`);
    first = await predictFolder(todo, stage, workDir, { tta: opts.tta, stepSize: opts.stepSize, progress: opts.progress, log: opts.log });
  } finally {
    closeModel(stage);
  }
  const failed = new Set(first.failed.map((f) => f.case));
  const second = await predictFolder(cases.filter((c) => !failed.has(c.id)), model, outDir, {
    ...folderOpts, previousStage: workDir, previousStageRecord: { configuration: previous, folds: stage.folds },
  });
  return { ...second, failed: [...first.failed.map((f) => ({ ...f, message: `${previous}: ${f.message}` })), ...second.failed] };
}

// spec §8 inference: when find-best chose an ensemble, each member predicts with probabilities, nnUNetv2_ensemble
// averages them and the model's postprocessing runs on the result. nnU-Net prints these three commands; a model
// folder that holds the members runs them here, so `nnunet predict -m` applies what find-best chose.
import { existsSync } from 'node:fs';
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensembleFolders } from '../ensemble/ensemble-folders.js';
import type { CaseFiles } from './cases.js';
import { closeModel, openModel, type Model } from './model.js';
import { predictArgsJson, type PredictFolderResult } from './predict-folder.js';
import { predictCases, type PredictCasesOptions } from './previous-stage.js';

/**
 * Predicts as the model folder says: find-best's ensemble when `members` names two configurations (`model` is the
 * first, already open), else `model` alone (running its previous stage first for a cascade).
 */
export function predictChosen(cases: CaseFiles[], model: Model, members: readonly string[], outDir: string,
  opts: PredictCasesOptions): Promise<PredictFolderResult> {
  return members.length > 1 ? predictEnsemble(cases, model, members, outDir, opts) : predictCases(cases, model, outDir, opts);
}

/**
 * The members' predictions go to `workDir/<configuration>`; the averaged, postprocessed result to `outDir`. The
 * first member is the caller's open `model` (it stays open); the others are opened one at a time.
 */
async function predictEnsemble(cases: CaseFiles[], first: Model, members: readonly string[], outDir: string,
  opts: PredictCasesOptions): Promise<PredictFolderResult> {
  // an explicit previous-stage folder belongs to one cascade model, not to an ensemble's members
  const { postprocess, saveProbabilities, workDir, previousStage: _p, previousStageRecord: _r, ...memberOpts } = opts;
  const ending = first.datasetJson.file_ending;
  const todo = opts.continuePrediction ? cases.filter((c) => !existsSync(join(outDir, c.id + ending))) : cases;
  await rm(workDir, { recursive: true, force: true });
  const folders: string[] = [];
  const failed = new Map<string, PredictFolderResult['failed'][number]>();
  for (const configuration of members) {
    const folder = join(workDir, configuration);
    const own = configuration === first.configuration ? undefined
      : await openModel(first.root ?? first.dir, { configuration, folds: opts.folds, checkpoint: opts.checkpoint, loader: opts.loader });
    const model = own ?? first;
    try {
      opts.log?.(`ensemble member ${configuration} (folds ${model.folds.join(' ')})`);
      const r = await predictCases(todo, model, folder, { ...memberOpts, continuePrediction: false, saveProbabilities: true, workDir: join(workDir, `${configuration}.previous`) });
      for (const f of r.failed) failed.set(f.case, { ...f, message: `${configuration}: ${f.message}` });
    } finally {
      if (own) closeModel(own);
    }
    folders.push(folder);
  }
  // a case one member could not predict has no ensemble: drop the other members' probabilities for it
  for (const id of failed.keys()) for (const f of folders) if (existsSync(join(f, `${id}.npz`))) await unlink(join(f, `${id}.npz`));
  await mkdir(outDir, { recursive: true });
  const written = todo.length > failed.size ? await ensembleFolders(folders, outDir, { handling: first.handling, fileEnding: ending, saveProbabilities, postprocess }) : [];
  await writeFile(join(outDir, 'predict_from_raw_data_args.json'), predictArgsJson({
    ensemble: members, folds: opts.folds ?? null, tta: opts.tta !== false, step_size: opts.stepSize ?? 0.5,
  }, opts));
  await rm(workDir, { recursive: true, force: true });
  return { written, skipped: cases.filter((c) => !todo.includes(c)).map((c) => c.id), failed: [...failed.values()] };
}

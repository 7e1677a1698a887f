/**
 * Kind `predict` (spec §6): segment images with a model folder. Needs `model` (an export action); the images are
 * the `input` folder param, or else the `dataset` need's imagesTs cases. Output: CASEID<ending> per case (+ .npz
 * and .json with save_probabilities). A cascade model's previous stage (in the same model folder) predicts first.
 * Every case is tried; the action fails at the end if any case failed.
 */
import { join } from 'node:path';
import { NodeError, type ActionContext, type NodeKind } from '../../src/engine/index.js';
import { channelNames } from '../dataset/format.js';
import { readCaseListing } from '../dataset/listing.js';
import { findCases, type CaseFiles } from './cases.js';
import { chosenConfigurations, closeModel, openModel } from './model.js';
import { modelPostprocessing } from './model-postprocessing.js';
import { predictChosen } from './predict-ensemble.js';
import { paramsSchema, type PredictParams } from './params.js';

async function run(ctx: ActionContext<PredictParams>) {
  const p = ctx.params;
  const modelDir = ctx.input('model').dir;
  // find-best's choice applies when no configuration is given: an ensemble runs its members and averages them
  const members = p.configuration ? [] : await chosenConfigurations(modelDir);
  const model = await openModel(modelDir, { configuration: p.configuration, folds: p.folds });
  try {
    let cases: CaseFiles[];
    if (p.input) {
      cases = findCases([p.input], model.datasetJson.file_ending, Object.keys(channelNames(model.datasetJson)).length);
    } else {
      const listing = await readCaseListing(ctx.input('dataset').dir);
      cases = listing.test.map((c) => ({ id: c.id, files: c.images }));
      if (cases.length === 0) throw new NodeError('PREDICT_NO_CASES', 'the dataset has no imagesTs cases; give an input folder', { node: ctx.actionId });
    }
    const postprocess = p.postprocessing ? await modelPostprocessing(modelDir, model, { requested: p.configuration, ensemble: members.length > 1, log: ctx.log }) : null;
    const common = {
      tta: p.tta, stepSize: p.step_size, saveProbabilities: p.save_probabilities, postprocess: postprocess ?? undefined,
      folds: p.folds, workDir: join(ctx.scratchDir, 'previous_stage'), progress: ctx.progress, log: ctx.log,
    };
    const result = await predictChosen(cases, model, members, ctx.outDir, common);
    if (result.failed.length > 0) {
      throw new NodeError('PREDICT_CASES_FAILED', `${result.failed.length} of ${cases.length} case(s) failed: ${result.failed.map((f) => `${f.case} (${f.message})`).join('; ')}`,
        { node: ctx.actionId }, { issues: result.failed.map((f) => ({ code: f.code, item: f.case, message: f.message })) });
    }
    return { metrics: { cases: result.written.length, configuration: members.length > 1 ? members.join('+') : model.configuration, folds: model.folds } };
  } finally {
    closeModel(model);
  }
}

export const predict: NodeKind<PredictParams> = {
  kind: 'predict',
  version: '3',
  description: 'segment images with a trained model folder: sliding window, mirroring, fold averaging, export',
  params: paramsSchema,
  inputs: {
    model: { description: 'the exported model folder', required: true },
    dataset: { description: 'the dataset whose imagesTs it predicts (when no input param is given)' },
  },
  // the network runs on the process's one tfjs backend: one such action at a time, like training
  // a cluster job: sliding-window inference threads
  resources: { accelerator: true, job: { cpus: 2 } },
  externalInputs: (p) => (p.input ? [p.input] : []),
  run,
};

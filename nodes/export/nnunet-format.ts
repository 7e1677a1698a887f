/**
 * Our model folder (nodes/predict/model.ts layout) in nnU-Net's results layout, which nnUNetv2_predict and
 * nnUNetv2_predict_from_modelfolder load:
 *   <out>/<Trainer>__<Plans>__<configuration>/{plans.json, dataset.json, fold_<f>/checkpoint_final.pth}
 *   <out>/inference_information.json (find-best's choice, when the model has one)
 *   <out>/postprocessing.pkl + postprocessing.json (the model's postprocessing, when it has one)
 * so `<out>` works as nnUNet_results/<DatasetXXX>, and each configuration folder as a `-m` model folder.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import { readCheckpoint } from '../../src/nn/checkpoint.js';
import { nnunetCheckpointBuffer } from '../../src/interop/pth/nnunet-checkpoint.js';
import { pickleForTorch } from '../../src/interop/pth/torch-save.js';
import { PyGlobal, PyTuple } from '../../src/interop/pth/values.js';
import { parsePythonJson } from '../../src/util/py-json.js';
import { parseOps } from '../postprocess/apply.js';
import { KEEP_LARGEST } from '../postprocess/operations.js';
import type { Plans } from '../plan/format.js';
import { plansJson } from '../plan/plan-experiment.js';
import { inferenceInformationJson } from '../find-best/find-best.js';
import type { LabelOrRegion } from '../../src/imaging/index.js';

const TRAINER = 'nnUNetTrainer';

export interface NnunetExport {
  /** configuration -> its results folder name */
  folders: Record<string, string>;
}

export async function exportNnunetFormat(modelDir: string, outDir: string): Promise<NnunetExport> {
  const plans = JSON.parse(await readFile(join(modelDir, 'plans.json'), 'utf8')) as Plans;
  const datasetJson = await readFile(join(modelDir, 'dataset.json'), 'utf8');
  const configurations = Object.keys(plans.configurations).filter((c) => existsSync(join(modelDir, c)));
  if (configurations.length === 0) throw new NodeError('EXPORT_NO_FOLDS', `${modelDir} holds no trained configuration (<configuration>/fold_<f>/)`, { file: modelDir });
  const folders: Record<string, string> = {};
  for (const configuration of configurations) {
    const folder = `${TRAINER}__${plans.plans_name}__${configuration}`;
    folders[configuration] = folder;
    const target = join(outDir, folder);
    for (const fold of readdirSync(join(modelDir, configuration)).filter((d) => /^fold_(\d+|all)$/.test(d)).sort()) {
      const ckptDir = join(modelDir, configuration, fold, 'checkpoint_final');
      const { manifest, weights } = await readCheckpoint(ckptDir);
      const file = join(target, fold, 'checkpoint_final.pth');
      await mkdir(join(target, fold), { recursive: true });
      await writeFile(file, nnunetCheckpointBuffer({
        params: manifest.params.map((p) => ({ name: p.name, shape: p.shape, data: weights.get(p.name)! })),
        plans: manifest.plans, configuration, fold: manifest.fold, datasetJson: manifest.datasetJson,
        mirrorAxes: manifest.mirrorAxes, currentEpoch: manifest.currentEpoch, bestEma: manifest.bestEma,
      }, file));
    }
    await writeFile(join(target, 'plans.json'), plansJson(plans));
    await writeFile(join(target, 'dataset.json'), datasetJson);
  }
  const postprocessing = await writePostprocessing(modelDir, outDir);
  await writeInferenceInformation(modelDir, outDir, plans, postprocessing);
  return { folders };
}

/** postprocessing.pkl as nnU-Net pickles it: (functions by name, kwargs), plus its JSON twin */
async function writePostprocessing(modelDir: string, outDir: string): Promise<string | null> {
  const src = join(modelDir, 'postprocessing.json');
  if (!existsSync(src)) return null;
  const text = await readFile(src, 'utf8');
  const ops = parseOps(parsePythonJson(text), src);
  const fn = new PyGlobal('nnunetv2.postprocessing.remove_connected_components', KEEP_LARGEST);
  const { pickle } = pickleForTorch(new PyTuple([
    ops.map(() => fn),
    ops.map((op) => new Map([['labels_or_regions', toPickled(op.labels_or_regions)]])),
  ]));
  const file = join(outDir, 'postprocessing.pkl');
  await writeFile(file, pickle);
  await writeFile(join(outDir, 'postprocessing.json'), text);
  return file;
}

/** regions are tuples in nnU-Net; lists of labels stay lists */
const toPickled = (v: LabelOrRegion | LabelOrRegion[]): number | PyTuple | (number | PyTuple)[] =>
  typeof v === 'number' ? v : v.map((x) => (typeof x === 'number' ? x : new PyTuple([...x])));

async function writeInferenceInformation(modelDir: string, outDir: string, plans: Plans, postprocessing: string | null): Promise<void> {
  const src = join(modelDir, 'inference_information.json');
  if (!existsSync(src)) return;
  const info = parsePythonJson(await readFile(src, 'utf8')) as { best_model_or_ensemble?: { selected_model_or_models?: Array<Record<string, unknown>>; postprocessing_file?: string } };
  const best = info.best_model_or_ensemble;
  if (best) {
    best.selected_model_or_models = (best.selected_model_or_models ?? []).map((m) => ({ ...m, trainer: TRAINER, plans_identifier: plans.plans_name }));
    if (postprocessing) best.postprocessing_file = postprocessing;
    else delete best.postprocessing_file;
  }
  await writeFile(join(outDir, 'inference_information.json'), inferenceInformationJson(info));
}

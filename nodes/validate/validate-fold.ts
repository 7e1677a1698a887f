// spec §5.9: a fold's final validation - predict its validation cases from the preprocessed data, export them to
// the original geometry, and evaluate them against the raw labels. A stage with next_stage also writes each case on
// the next stage's grid; a cascade stage reads the previous stage's segmentation as extra input channels (§7).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import type { Progress } from '../../src/engine/types.js';
import { readCaseSegmentation, readNpy, toFileLayout, writeNpy, writeSegmentation } from '../../src/imaging/index.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import { writeNpz } from '../../src/nn/predict/npz.js';
import { evaluationTargets, ignoreLabelOf } from '../evaluate/evaluate-folder.js';
import { caseMetrics, summarize, summaryToJson, type Summary } from '../evaluate/summary.js';
import type { CaseProperties } from '../preprocess/preprocess-case.js';
import { exportPrediction, geometryOf } from '../predict/export-prediction.js';
import { openCheckpoint } from '../predict/load-network.js';
import { closeModel, type Model } from '../predict/model.js';
import { predictLogitsAsync, withPreviousStage, type NetworkInput } from '../predict/predict-case.js';
import type { ConfigurationPlan } from '../plan/format.js';
import { resolveConfiguration } from '../plan/resolve.js';
import { nextStageFile, nextStageSegmentation, nextStageShape, requirePreviousStage } from './next-stage.js';

export interface ValidationCase {
  id: string;
  /** folder holding <id>.npy and <id>.json from preprocess */
  preprocessedDir: string;
  /** raw label file */
  reference: string;
  /** cascade stage: the previous stage's segmentation on this case's preprocessed grid (int16 .npy) */
  previousStage?: string;
}

export interface ValidateFoldOptions {
  checkpointDir: string;
  cases: ValidationCase[];
  /** validation/ (and predicted_next_stage/ for a stage with next_stage) go here */
  outDir: string;
  saveProbabilities: boolean;
  tta: boolean;
  signal?: AbortSignal;
  progress?: (p: Progress) => void;
}

export async function validateFold(o: ValidateFoldOptions): Promise<Summary> {
  const model = await openCheckpoint(o.checkpointDir);
  try {
    const next = model.config.next_stage ? { name: model.config.next_stage, config: resolveConfiguration(model.plans, model.config.next_stage) } : null;
    if (model.config.previous_stage) {
      requirePreviousStage(new Set(o.cases.filter((c) => c.previousStage).map((c) => c.id)), o.cases.map((c) => c.id), model.configuration,
        model.config.previous_stage, 'VALIDATE_PREVIOUS_STAGE_MISSING');
    }
    const ending = model.datasetJson.file_ending;
    const rw = model.plans.image_reader_writer;
    const targets = evaluationTargets(model.datasetJson.labels);
    const ignore = ignoreLabelOf(model.datasetJson.labels);
    const dir = join(o.outDir, 'validation');
    await mkdir(dir, { recursive: true });
    const perCase = [];
    for (const [i, c] of o.cases.entries()) {
      o.signal?.throwIfAborted();
      o.progress?.({ done: i, total: o.cases.length, message: c.id });
      const props = JSON.parse(await readFile(join(c.preprocessedDir, `${c.id}.json`), 'utf8')) as CaseProperties;
      const input = await networkInput(c, props, model);
      const logits = await predictLogitsAsync(input, model, { tta: o.tta });
      if (next) await writeNextStage(o.outDir, next, c.id, logits, input, model);
      const pred = exportPrediction(logits, model.numClasses, input.shape, props, model.plans, model.config, model.handling, o.saveProbabilities);
      // metrics compare arrays in the reader/writer's layout, as nnU-Net reads both files back; files keep the case's own
      const ref = await readCaseSegmentation(c.reference, rw);
      if (ref.data.length !== pred.seg.length) {
        throw new NodeError('VALIDATE_SHAPE_MISMATCH', `${c.id}: prediction shape [${pred.shape}] != reference [${ref.shape}]`, { item: c.id, file: c.reference });
      }
      const file = `${c.id}${ending}`;
      const geometry = geometryOf(props);
      const written = toFileLayout(pred.seg, 1, pred.shape, geometry, rw);
      await writeSegmentation(join(dir, file), written.data, written.shape, geometry);
      if (pred.probabilities) {
        const probabilities = toFileLayout(pred.probabilities, model.numClasses, pred.shape, geometry, rw).data;
        await writeNpz(join(dir, `${c.id}.npz`), { probabilities: { data: probabilities, shape: [model.numClasses, ...written.shape] } });
        await writeFile(join(dir, `${c.id}.json`), JSON.stringify(props));
      }
      perCase.push(caseMetrics(ref.data, pred.seg, targets, ignore, { prediction_file: file, reference_file: file }));
    }
    o.progress?.({ done: o.cases.length, total: o.cases.length });
    const summary = summarize(perCase, targets);
    await writeFile(join(dir, 'summary.json'), summaryToJson(summary));
    return summary;
  } finally {
    closeModel(model);
  }
}

/** predicted_next_stage/<next>/<case>.npy: the logits on the next stage's preprocessed grid, argmax'ed (spec §5.9). */
async function writeNextStage(outDir: string, next: { name: string; config: ConfigurationPlan }, id: string, logits: Float32Array,
  input: NetworkInput, model: Model): Promise<void> {
  const shape = nextStageShape(input.properties, model.plans, next.config);
  const seg = nextStageSegmentation(logits, model.numClasses, input.shape, shape, input.properties, model.plans, model.config, model.handling);
  const file = nextStageFile(outDir, next.name, id);
  await mkdir(dirname(file), { recursive: true });
  await writeNpy(file, seg, [1, ...shape]);
}

/** The preprocessed image, plus the previous stage's segmentation as one-hot channels for a cascade stage. */
async function networkInput(c: ValidationCase, props: CaseProperties, model: Model): Promise<NetworkInput> {
  const data = await readNpy(join(c.preprocessedDir, `${c.id}.npy`));
  const [C, ...shape] = data.shape;
  const input: NetworkInput = { data: Float32Array.from(data.data), channels: C, shape: shape as Shape3, properties: props };
  if (!model.config.previous_stage) return input;
  const prev = await readNpy(c.previousStage!);
  if (prev.shape.slice(-3).join() !== shape.join() || prev.data.length !== input.data.length / C) {
    throw new NodeError('VALIDATE_PREVIOUS_STAGE_SHAPE', `${c.id}: ${model.config.previous_stage} segmentation has shape [${prev.shape}], the preprocessed image [${shape}]`,
      { item: c.id, file: c.previousStage });
  }
  return withPreviousStage(input, prev.data, model);
}

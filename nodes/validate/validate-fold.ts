// spec §5.9: a fold's final validation - predict its validation cases from the preprocessed data, export them to
// the original geometry, and evaluate them against the raw labels.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import type { Progress } from '../../src/engine/types.js';
import { readNpy, readSegmentation, writeSegmentation } from '../../src/imaging/index.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import { writeNpz } from '../../src/nn/predict/npz.js';
import { evaluationTargets, ignoreLabelOf } from '../evaluate/evaluate-folder.js';
import { caseMetrics, summarize, summaryToJson, type Summary } from '../evaluate/summary.js';
import type { CaseProperties } from '../preprocess/preprocess-case.js';
import { exportPrediction, geometryOf } from '../predict/export-prediction.js';
import { openCheckpoint } from '../predict/load-network.js';
import { closeModel } from '../predict/model.js';
import { predictLogits } from '../predict/predict-case.js';

export interface ValidationCase {
  id: string;
  /** folder holding <id>.npy and <id>.json from preprocess */
  preprocessedDir: string;
  /** raw label file */
  reference: string;
}

export interface ValidateFoldOptions {
  checkpointDir: string;
  cases: ValidationCase[];
  /** validation/ goes here */
  outDir: string;
  saveProbabilities: boolean;
  tta: boolean;
  signal?: AbortSignal;
  progress?: (p: Progress) => void;
}

export async function validateFold(o: ValidateFoldOptions): Promise<Summary> {
  const model = await openCheckpoint(o.checkpointDir);
  try {
    if (model.config.previous_stage) {
      throw new NodeError('VALIDATE_CASCADE_UNSUPPORTED', `validation of cascade stage ${model.configuration} is not supported yet`);
    }
    const ending = model.datasetJson.file_ending;
    const targets = evaluationTargets(model.datasetJson.labels);
    const ignore = ignoreLabelOf(model.datasetJson.labels);
    const dir = join(o.outDir, 'validation');
    await mkdir(dir, { recursive: true });
    const perCase = [];
    for (const [i, c] of o.cases.entries()) {
      o.signal?.throwIfAborted();
      o.progress?.({ done: i, total: o.cases.length, message: c.id });
      const data = await readNpy(join(c.preprocessedDir, `${c.id}.npy`));
      const props = JSON.parse(await readFile(join(c.preprocessedDir, `${c.id}.json`), 'utf8')) as CaseProperties;
      const [C, ...shape] = data.shape;
      const input = { data: Float32Array.from(data.data), channels: C, shape: shape as Shape3, properties: props };
      const logits = predictLogits(input, model, { tta: o.tta });
      const pred = exportPrediction(logits, model.numClasses, input.shape, props, model.plans, model.config, model.handling, o.saveProbabilities);
      const file = `${c.id}${ending}`;
      await writeSegmentation(join(dir, file), pred.seg, pred.shape, geometryOf(props));
      if (pred.probabilities) {
        await writeNpz(join(dir, `${c.id}.npz`), { probabilities: { data: pred.probabilities, shape: [model.numClasses, ...pred.shape] } });
        await writeFile(join(dir, `${c.id}.json`), JSON.stringify(props));
      }
      const ref = await readSegmentation(c.reference);
      if (ref.data.length !== pred.seg.length) {
        throw new NodeError('VALIDATE_SHAPE_MISMATCH', `${c.id}: prediction shape [${pred.shape}] != reference [${ref.shape}]`, { item: c.id, file: c.reference });
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

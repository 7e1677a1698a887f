// spec §9 on files: read a prediction folder and its references, decide, write postprocessing.json + postprocessed/.
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import { readSegmentation, writeSegmentation } from '../../src/imaging/index.js';
import { allocLabelMap, labelHandling } from '../../src/nn/predict/labels.js';
import type { DatasetJson } from '../dataset/format.js';
import { evaluationTargets, ignoreLabelOf } from '../evaluate/evaluate-folder.js';
import { summaryToJson } from '../evaluate/summary.js';
import { pyJsonStringify } from '../../src/util/py-json.js';
import { determinePostprocessing, postprocessingJson, type EvalCase, type PostprocessingDecision } from './determine.js';

export async function determineOnFolder(predDir: string, references: Map<string, string>, datasetJson: DatasetJson,
  outDir: string): Promise<PostprocessingDecision> {
  const ending = datasetJson.file_ending;
  const files = readdirSync(predDir).filter((f) => f.endsWith(ending)).sort();
  if (files.length === 0) throw new NodeError('POSTPROCESS_NO_CASES', `no ${ending} predictions in ${predDir}`, { file: predDir });
  const handling = labelHandling(datasetJson.labels, datasetJson.regions_class_order);
  const cases: EvalCase[] = [];
  const geometries = [];
  for (const f of files) {
    const id = f.slice(0, -ending.length);
    const refFile = references.get(id);
    if (!refFile) throw new NodeError('POSTPROCESS_NO_REFERENCE', `no reference label for case ${id}`, { item: id });
    const pred = await readSegmentation(join(predDir, f));
    const ref = await readSegmentation(refFile);
    const seg = allocLabelMap(handling, pred.data.length);
    seg.set(pred.data);
    cases.push({ pred: seg, ref: ref.data, shape: pred.shape, prediction_file: f, reference_file: f });
    geometries.push(pred.geometry);
  }
  const decision = determinePostprocessing(cases, evaluationTargets(datasetJson.labels), ignoreLabelOf(datasetJson.labels));
  const pp = join(outDir, 'postprocessed');
  await mkdir(pp, { recursive: true });
  for (const [i, c] of cases.entries()) await writeSegmentation(join(pp, c.prediction_file), decision.postprocessed[i], c.shape, geometries[i]);
  await writeFile(join(pp, 'summary.json'), summaryToJson(decision.final));
  await writeFile(join(outDir, 'postprocessing.json'),
    pyJsonStringify(postprocessingJson(decision), { isFloat: (p) => p[0] === 'input_folder' || p[0] === 'postprocessed', sortKeys: () => true }));
  return decision;
}

// spec §6: predict many cases, streaming (read, predict, write one case at a time); a broken case fails alone.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { copyOut } from '../../src/util/copy-out.js';
import { join } from 'node:path';
import { NnunetError } from '../../src/engine/errors.js';
import { readCase, readCaseSegmentation, toFileLayout, writeSegmentation } from '../../src/imaging/index.js';
import type { Progress } from '../../src/engine/types.js';
import { writeNpz } from '../../src/nn/predict/npz.js';
import type { LabelMap } from '../../src/nn/predict/labels.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import type { CaseFiles } from './cases.js';
import type { Model } from './model.js';
import { pyJsonStringify } from '../../src/util/py-json.js';
import { predictImage, type PredictOptions } from './predict-case.js';

export interface PredictFolderOptions extends PredictOptions {
  /** folder holding the previous stage's CASEID<ending> segmentations (cascade) */
  previousStage?: string;
  /** what predict_from_raw_data_args.json records as the previous stage (default: the folder; a temp one means nothing later) */
  previousStageRecord?: { configuration: string; folds: Array<number | 'all'> };
  /** skip cases whose output file already exists */
  continuePrediction?: boolean;
  /** the command line's input and output paths and part (nnunet predict); a pipeline's store paths are not recorded */
  invocation?: PredictInvocation;
  /** label map post-processing applied before writing (find-best's postprocessing) */
  postprocess?: (seg: LabelMap, shape: Shape3) => LabelMap;
  progress?: (p: Progress) => void;
  log?: (message: string) => void;
}

export interface PredictInvocation {
  input: string[];
  output: string;
  numParts: number;
  partId: number;
}

/**
 * predict_from_raw_data_args.json: nnUNetPredictor.predict_from_files's arguments as nnU-Net saves them (save_json:
 * sorted keys, indent 4; paths only from a command line) and what we add (configuration, folds, mirroring, step size).
 */
export function predictArgsJson(ours: Record<string, unknown>, o: PredictFolderOptions): string {
  const inv = o.invocation;
  return pyJsonStringify({
    ...ours,
    list_of_lists_or_source_folder: inv ? (inv.input.length === 1 ? inv.input[0] : inv.input) : null,
    output_folder_or_list_of_truncated_output_files: inv?.output ?? null,
    save_probabilities: o.saveProbabilities === true,
    overwrite: o.continuePrediction !== true,
    // a previous stage predicted on the fly lives in a temp folder: nothing to record
    folder_with_segs_from_prev_stage: inv && !o.previousStageRecord ? o.previousStage ?? null : null,
    num_parts: inv?.numParts ?? 1,
    part_id: inv?.partId ?? 0,
  }, { isFloat: (p) => p[0] === 'step_size', sortKeys: () => true });
}

export interface CaseFailure {
  case: string;
  code: string;
  message: string;
}

export interface PredictFolderResult {
  written: string[];
  skipped: string[];
  failed: CaseFailure[];
}

export async function predictFolder(cases: CaseFiles[], model: Model, outDir: string,
  opts: PredictFolderOptions = {}): Promise<PredictFolderResult> {
  await mkdir(outDir, { recursive: true });
  const ending = model.datasetJson.file_ending;
  await copyOut(join(model.dir, 'plans.json'), join(outDir, 'plans.json'));
  await copyOut(join(model.dir, 'dataset.json'), join(outDir, 'dataset.json'));
  await writeFile(join(outDir, 'predict_from_raw_data_args.json'), predictArgsJson({
    configuration: model.configuration, folds: model.folds, tta: opts.tta !== false, step_size: opts.stepSize ?? 0.5,
    previous_stage: opts.previousStageRecord ?? opts.previousStage ?? null,
  }, opts));
  const result: PredictFolderResult = { written: [], skipped: [], failed: [] };
  for (const [i, c] of cases.entries()) {
    opts.progress?.({ done: i, total: cases.length, message: c.id });
    const outFile = join(outDir, c.id + ending);
    if (opts.continuePrediction && existsSync(outFile)) {
      result.skipped.push(c.id);
      continue;
    }
    try {
      const rw = model.plans.image_reader_writer;
      const image = await readCase(c.files, rw);
      const prev = opts.previousStage ? await readCaseSegmentation(join(opts.previousStage, c.id + ending), rw) : null;
      const pred = await predictImage(image, model, opts, prev);
      const processed = opts.postprocess ? opts.postprocess(pred.seg, pred.shape) : pred.seg;
      const { data: seg, shape } = toFileLayout(processed, 1, pred.shape, image.geometry, rw);
      await writeSegmentation(outFile, seg, shape, image.geometry);
      if (pred.probabilities) {
        const probabilities = toFileLayout(pred.probabilities, model.numClasses, pred.shape, image.geometry, rw).data;
        await writeNpz(join(outDir, `${c.id}.npz`), { probabilities: { data: probabilities, shape: [model.numClasses, ...shape] } });
        await writeFile(join(outDir, `${c.id}.json`), JSON.stringify(pred.properties));
      }
      result.written.push(c.id);
    } catch (e) {
      const err = e instanceof NnunetError ? e : null;
      const failure = { case: c.id, code: err?.code ?? 'PREDICT_CASE_FAILED', message: (e as Error).message };
      result.failed.push(failure);
      opts.log?.(`case ${c.id} failed [${failure.code}]: ${failure.message}`);
    }
  }
  opts.progress?.({ done: cases.length, total: cases.length });
  return result;
}

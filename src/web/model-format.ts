/**
 * What `nnunet export --format web` writes under <out>/model/ and the page fetches: model.json names everything;
 * each fold folder holds its checkpoint's manifest.json and weights.bin unchanged (no optimizer state).
 */
import type { DatasetJson } from '../../nodes/dataset/format.js';
import type { Plans } from '../../nodes/plan/format.js';
import type { PostprocessingOp } from '../../nodes/postprocess/operations.js';
import type { FoldId } from '../../nodes/predict/model.js';

export const WEB_MODEL_FORMAT = 'nnunet-ts-web-model';
export const WEB_MODEL_VERSION = 1;

export interface WebModelFold {
  fold: FoldId;
  /** folder under model/ holding manifest.json and weights.bin */
  path: string;
}

export interface WebModel {
  format: typeof WEB_MODEL_FORMAT;
  format_version: number;
  /** plans.json and dataset.json of the model folder */
  plans: Plans;
  datasetJson: DatasetJson;
  configuration: string;
  folds: WebModelFold[];
  /** find-best's postprocessing.json as operations; empty when the model has none */
  postprocessing: PostprocessingOp[];
}

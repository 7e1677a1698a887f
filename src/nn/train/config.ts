/** Everything one training run needs; plain JSON so it can be posted to the training worker. */
import type { ConfigurationPlan, Plans } from '../../../nodes/plan/format.js';
import type { DatasetJson } from '../../../nodes/dataset/format.js';

export interface CaseRef {
  id: string;
  /** folder holding <id>.npy, <id>_seg.npy, <id>.json */
  dir: string;
  /** cascade stage: the previous stage's out-of-fold segmentation on this case's grid (int16 (1, X, Y, Z) .npy) */
  previousStage?: string;
}

export interface TrainConfig {
  configuration: string;
  fold: number | 'all';
  plans: Plans;
  /** the configuration with inheritance resolved */
  configurationPlan: ConfigurationPlan;
  datasetJson: DatasetJson;
  trainCases: CaseRef[];
  valCases: CaseRef[];
  epochs: number;
  iterationsPerEpoch: number;
  valIterations: number;
  /** null: a random seed, recorded in debug.json */
  seed: number | null;
  /** save checkpoint_latest every N epochs (nnU-Net: 50) */
  checkpointEvery: number;
  /** overrides of the plan (quick runs, tests) */
  batchSize?: number;
  patchSize?: number[];
  /** checkpoints while training; a rerun with the same folder resumes from it */
  scratchDir: string;
  /** receives checkpoint_final/, checkpoint_best/, training_log.json, progress.svg, debug.json */
  outDir: string;
  /** checkpoint folder to initialise the weights from (segmentation heads excluded, as nnU-Net) */
  initFrom: string | null;
  /** data loader worker threads (0: in-process) */
  loaderWorkers?: number;
  /**
   * make the next training batch's tensors (and start their upload) while the current step runs, before its loss
   * is read back; the same losses either way. Default: on for the webgpu backend only.
   */
  prefetch?: boolean;
}

/** nnU-Net's trainer constants (nnunet-defaults.json `training`). */
export const TRAINING = {
  initialLr: 1e-2,
  momentum: 0.99,
  weightDecay: 3e-5,
  polyExponent: 0.9,
  gradClip: 12,
  oversampleForeground: 0.33,
} as const;

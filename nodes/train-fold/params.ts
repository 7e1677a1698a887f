import type { AnySchema } from 'ajv';

export interface TrainFoldParams {
  configuration: string;
  /** fold index into splits_final.json, or 'all' (train = validation = every case) */
  fold: number | 'all';
  epochs: number;
  iterations_per_epoch: number;
  val_iterations: number;
  /** null: random (recorded in debug.json); a number makes a CPU run reproducible */
  seed: number | null;
  /** a checkpoint folder (or a train-fold output holding checkpoint_final/), 'previous' (this node's last result), or null */
  init_from: string | null;
  /** checkpoint_latest every N epochs (nnU-Net: 50) */
  checkpoint_every: number;
  /** overrides of the plan's batch and patch size (quick runs, tests) */
  batch_size: number | null;
  patch_size: number[] | null;
  /** a preprocessed folder in nnU-Net layout (nnUNetPlans.json, dataset.json, <data_identifier>/) instead of upstream inputs */
  preprocessed: string | null;
  /** data loader worker threads (null: cores − 1, at most 8; 0: in the training thread) */
  loader_workers: number | null;
  /**
   * cascade, outside a pipeline: folders holding predicted_next_stage/<configuration>/ (the previous stage's
   * validations). No default, so existing action keys (and cached trainings) stay as they were.
   */
  previous_stage_dirs?: string[];
}

// AnySchema: ajv's JSONSchemaType cannot express the nullable-with-default params below
export const paramsSchema: AnySchema = {
  type: 'object',
  properties: {
    configuration: { type: 'string', minLength: 1 },
    fold: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', const: 'all' }] },
    epochs: { type: 'integer', minimum: 1, default: 1000 },
    iterations_per_epoch: { type: 'integer', minimum: 1, default: 250 },
    val_iterations: { type: 'integer', minimum: 0, default: 50 },
    seed: { type: 'integer', minimum: 0, maximum: 2147483647, nullable: true, default: null },
    init_from: { type: 'string', minLength: 1, nullable: true, default: null },
    checkpoint_every: { type: 'integer', minimum: 1, default: 50 },
    batch_size: { type: 'integer', minimum: 1, nullable: true, default: null },
    patch_size: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 3, nullable: true, default: null },
    preprocessed: { type: 'string', minLength: 1, nullable: true, default: null },
    loader_workers: { type: 'integer', minimum: 0, nullable: true, default: null },
    previous_stage_dirs: { type: 'array', items: { type: 'string', format: 'path' }, nullable: true },
  },
  required: ['configuration', 'fold'],
  additionalProperties: false,
};

import type { JSONSchemaType } from 'ajv';

export interface ValidateParams {
  configuration: string;
  fold: number;
  /** also write validation/<case>.npz + .json (find-best's ensembles need them; nnU-Net's --npz) */
  save_probabilities: boolean;
  /** test-time mirroring, as nnU-Net's final validation */
  tta: boolean;
  checkpoint: string;
  /** cascade, outside a pipeline: folders holding predicted_next_stage/<configuration>/ (no default: keys stay as they were) */
  previous_stage_dirs?: string[];
  /** a preprocessed folder in nnU-Net's layout instead of the split/preprocess/dataset needs (no default: keys stay) */
  preprocessed?: string;
}

export const paramsSchema: JSONSchemaType<ValidateParams> = {
  type: 'object',
  properties: {
    configuration: { type: 'string', minLength: 1 },
    fold: { type: 'integer', minimum: 0 },
    save_probabilities: { type: 'boolean', default: true },
    tta: { type: 'boolean', default: true },
    checkpoint: { type: 'string', default: 'checkpoint_final' },
    previous_stage_dirs: { type: 'array', items: { type: 'string', format: 'path' }, nullable: true },
    preprocessed: { type: 'string', format: 'path', minLength: 1, nullable: true },
  },
  required: ['configuration', 'fold'],
  additionalProperties: false,
};

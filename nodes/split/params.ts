import type { JSONSchemaType } from 'ajv';

export interface SplitParams {
  /** number of cross-validation folds (nnU-Net: 5) */
  folds: number;
  /** KFold shuffle seed (nnU-Net: 12345) */
  seed: number;
  /** a user splits_final.json used as is instead of generating folds */
  file?: string;
}

export const paramsSchema: JSONSchemaType<SplitParams> = {
  type: 'object',
  properties: {
    folds: { type: 'integer', minimum: 2, default: 5 },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 12345 },
    file: { type: 'string', format: 'path', nullable: true },
  },
  required: ['folds', 'seed'],
  additionalProperties: false,
};

import type { JSONSchemaType } from 'ajv';

export interface PredictParams {
  /** folder of CASEID_XXXX<ending> images; default: the dataset need's imagesTs cases */
  input?: string;
  configuration?: string;
  folds?: number[];
  tta: boolean;
  step_size: number;
  save_probabilities: boolean;
  /** apply the model's postprocessing.json */
  postprocessing: boolean;
}

export const paramsSchema: JSONSchemaType<PredictParams> = {
  type: 'object',
  properties: {
    input: { type: 'string', nullable: true },
    configuration: { type: 'string', nullable: true },
    folds: { type: 'array', items: { type: 'integer', minimum: 0 }, nullable: true },
    tta: { type: 'boolean', default: true },
    step_size: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.5 },
    save_probabilities: { type: 'boolean', default: false },
    postprocessing: { type: 'boolean', default: true },
  },
  required: [],
  additionalProperties: false,
};

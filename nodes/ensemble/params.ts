import type { JSONSchemaType } from 'ajv';

export interface EnsembleParams {
  save_probabilities: boolean;
}

export const paramsSchema: JSONSchemaType<EnsembleParams> = {
  type: 'object',
  properties: { save_probabilities: { type: 'boolean', default: false } },
  required: [],
  additionalProperties: false,
};

import type { JSONSchemaType } from 'ajv';

export interface PredictedNextStageParams {
  /** the stage whose validation folds are gathered (3d_lowres) */
  configuration: string;
}

export const paramsSchema: JSONSchemaType<PredictedNextStageParams> = {
  type: 'object',
  properties: { configuration: { type: 'string', minLength: 1 } },
  required: ['configuration'],
  additionalProperties: false,
};

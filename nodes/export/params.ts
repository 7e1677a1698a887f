import type { JSONSchemaType } from 'ajv';

export interface ExportParams {
  /** checkpoint folder exported from each fold */
  checkpoint: string;
}

export const paramsSchema: JSONSchemaType<ExportParams> = {
  type: 'object',
  properties: { checkpoint: { type: 'string', default: 'checkpoint_final' } },
  required: [],
  additionalProperties: false,
};

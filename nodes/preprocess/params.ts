import type { JSONSchemaType } from 'ajv';

export interface PreprocessParams {
  /** plan configuration name: 2d, 3d_fullres, 3d_lowres, 3d_cascade_fullres, or a custom one */
  configuration: string;
}

export const paramsSchema: JSONSchemaType<PreprocessParams> = {
  type: 'object',
  properties: { configuration: { type: 'string', minLength: 1 } },
  required: ['configuration'],
  additionalProperties: false,
};

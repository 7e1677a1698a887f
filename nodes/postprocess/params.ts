import type { JSONSchemaType } from 'ajv';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PostprocessParams {}

export const paramsSchema: JSONSchemaType<PostprocessParams> = {
  type: 'object',
  properties: {},
  required: [],
  additionalProperties: false,
};

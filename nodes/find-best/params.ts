import type { JSONSchemaType } from 'ajv';

export interface FindBestParams {
  /** nnU-Net's --disable_ensembling, inverted */
  ensembling: boolean;
}

export const paramsSchema: JSONSchemaType<FindBestParams> = {
  type: 'object',
  properties: { ensembling: { type: 'boolean', default: true } },
  required: [],
  additionalProperties: false,
};

import type { JSONSchemaType } from 'ajv';

export interface DatasetParams {
  /** raw dataset folder (nnU-Net layout); omit when an upstream `source` need provides it */
  path?: string;
  /** dataset name for the plans (default: the folder name, e.g. Dataset004_Hippocampus) */
  name?: string;
}

export const paramsSchema: JSONSchemaType<DatasetParams> = {
  type: 'object',
  properties: {
    path: { type: 'string', format: 'path', nullable: true },
    name: { type: 'string', minLength: 1, nullable: true },
  },
  required: [],
  additionalProperties: false,
};

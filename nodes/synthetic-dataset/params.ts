import type { JSONSchemaType } from 'ajv';

export interface SyntheticDatasetParams {
  /** labelled training cases */
  cases: number;
  /** unseen cases in imagesTs (with references in labelsTs, to evaluate predictions) */
  test_cases: number;
  seed: number;
  /** typical array shape (z, y, x); each case varies by a few voxels */
  shape: [number, number, number];
  /** voxel spacing in array order (z, y, x), mm */
  spacing: [number, number, number];
}

const vec3 = { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 3, maxItems: 3 } as const;

export const paramsSchema: JSONSchemaType<SyntheticDatasetParams> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cases: { type: 'integer', minimum: 2, default: 20 },
    test_cases: { type: 'integer', minimum: 0, default: 4 },
    seed: { type: 'integer', minimum: 0, default: 20261126 },
    shape: { ...vec3, items: { type: 'integer', minimum: 8 }, default: [28, 36, 28] } as any,
    spacing: { ...vec3, default: [1, 1, 1] } as any,
  },
  required: [],
};

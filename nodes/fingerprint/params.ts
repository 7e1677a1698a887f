import type { JSONSchemaType } from 'ajv';
import { TOTAL_FOREGROUND_SAMPLES } from './intensity.js';

export interface FingerprintParams {
  /**
   * foreground intensity samples over the whole dataset (nnU-Net: 10e7, split evenly over the cases); smaller
   * values give faster, approximate intensity statistics
   */
  total_foreground_samples: number;
}

export const paramsSchema: JSONSchemaType<FingerprintParams> = {
  type: 'object',
  properties: { total_foreground_samples: { type: 'integer', minimum: 1, default: TOTAL_FOREGROUND_SAMPLES } },
  required: ['total_foreground_samples'],
  additionalProperties: false,
};

import type { JSONSchemaType } from 'ajv';
import type { PlannerName } from './planner.js';

export interface PlanParams {
  /** GPU memory target in GB (nnU-Net -gpu_memory_target); default: the planner's (8; ResEnc L 24, XL 40) */
  gpu_memory_gb?: number;
  planner: PlannerName;
  /** replaces the 3d_fullres target spacing (reader axis order) */
  overwrite_target_spacing?: number[];
  plans_name?: string;
  /** dataset name in the plans; default from the fingerprint input */
  dataset_name?: string;
  /** plan from an existing nnU-Net dataset_fingerprint.json instead of a fingerprint need */
  fingerprint?: string;
  /** dataset.json to go with `fingerprint` */
  dataset_json?: string;
}

export const paramsSchema: JSONSchemaType<PlanParams> = {
  type: 'object',
  properties: {
    gpu_memory_gb: { type: 'number', exclusiveMinimum: 0, nullable: true },
    planner: { type: 'string', enum: ['default', 'resenc-m', 'resenc-l', 'resenc-xl'], default: 'default' },
    overwrite_target_spacing: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 3, maxItems: 3, nullable: true },
    plans_name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', nullable: true },
    dataset_name: { type: 'string', minLength: 1, nullable: true },
    fingerprint: { type: 'string', format: 'path', nullable: true },
    dataset_json: { type: 'string', format: 'path', nullable: true },
  },
  required: ['planner'],
  additionalProperties: false,
};

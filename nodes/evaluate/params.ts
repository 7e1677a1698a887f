import type { JSONSchemaType } from 'ajv';

export interface EvaluateParams {
  configuration: string;
  /** names that make nnU-Net's model identifiers (<trainer>__<plans>__<configuration>) */
  trainer: string;
  plans: string;
}

export const paramsSchema: JSONSchemaType<EvaluateParams> = {
  type: 'object',
  properties: {
    configuration: { type: 'string', minLength: 1 },
    trainer: { type: 'string', default: 'nnUNetTrainer' },
    plans: { type: 'string', default: 'nnUNetPlans' },
  },
  required: ['configuration'],
  additionalProperties: false,
};

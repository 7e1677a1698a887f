import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

const read = (rel: string) => JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(read('../../schemas/plans.schema.json'));

describe('schemas/plans.schema.json', () => {
  it('accepts every plans file of the numpy planner fixtures, including cascades', () => {
    for (const g of read('../../test/planning/fixtures/planner-golden.json') as Array<{ plans_text: string }>) {
      expect(validate(JSON.parse(g.plans_text)), JSON.stringify(validate.errors)).toBe(true);
    }
  });
  it('rejects a configuration without patch size or parent', () => {
    const plans = JSON.parse((read('../../test/planning/fixtures/planner-golden.json') as Array<{ plans_text: string }>)[0].plans_text);
    delete plans.configurations['2d'].patch_size;
    expect(validate(plans)).toBe(false);
  });
});

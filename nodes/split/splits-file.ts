/**
 * A user-supplied splits_final.json: checked against schemas/splits.schema.json and against the dataset's cases,
 * with every problem reported at once.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { NodeError, type Issue } from '../../src/engine/index.js';
import type { Fold } from './kfold.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/splits.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile<Fold[]>(schema);

export class SplitsError extends NodeError {}

export function checkSplits(value: unknown, caseIds: readonly string[], file: string): Fold[] {
  if (!validate(value)) {
    const issues: Issue[] = (validate.errors ?? []).map((e) => ({
      code: 'SPLITS_SCHEMA', file, path: e.instancePath, message: `${e.instancePath || '/'} ${e.message}`,
    }));
    throw new SplitsError('SPLITS_INVALID', `${file}: not a splits file (${issues.map((i) => i.message).join('; ')})`, { file }, { issues });
  }
  const known = new Set(caseIds);
  const issues: Issue[] = [];
  value.forEach((fold, f) => {
    for (const part of ['train', 'val'] as const) {
      fold[part].forEach((id, i) => {
        if (!known.has(id)) {
          issues.push({ code: 'SPLITS_UNKNOWN_CASE', file, path: `/${f}/${part}/${i}`, item: id, message: `fold ${f} ${part}: case '${id}' is not in the dataset` });
        }
      });
    }
    const overlap = fold.val.filter((id) => fold.train.includes(id));
    if (overlap.length > 0) {
      issues.push({ code: 'SPLITS_OVERLAP', file, path: `/${f}`, message: `fold ${f}: ${overlap.length} case(s) in both train and val (${overlap.slice(0, 3).join(', ')})` });
    }
  });
  if (issues.length > 0) {
    throw new SplitsError('SPLITS_INVALID', `${file}: ${issues.length} problem(s): ${issues.map((i) => i.message).join('; ')}`, { file }, { issues });
  }
  return value;
}

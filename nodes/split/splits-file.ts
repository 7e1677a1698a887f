/**
 * A user-supplied splits_final.json: checked against schemas/splits.schema.json and against the dataset's cases,
 * with every problem reported at once.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { NodeError, type Issue } from '../../src/engine/index.js';
import { jsonErrorPosition, locateJson } from '../../src/util/json-position.js';
import type { Fold } from './kfold.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/splits.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile<Fold[]>(schema);

export class SplitsError extends NodeError {}

/** Adds `file:line:col` of each issue's JSON pointer, so the message alone says where (a failed run keeps only it). */
function placed(issues: Issue[], file: string, text: string | undefined): Issue[] {
  if (text === undefined) return issues;
  const loc = locateJson(text);
  return issues.map((i) => {
    const { line, column } = loc.at((i.path ?? '').split('/').slice(1).map((k) => (/^\d+$/.test(k) ? Number(k) : k)));
    return { ...i, line, column, message: `${file}:${line}:${column}: ${i.message}` };
  });
}

const fail = (issues: Issue[], file: string, text: string | undefined): never => {
  const list = placed(issues, file, text);
  throw new SplitsError('SPLITS_INVALID', `${file}: ${list.length} problem(s):\n${list.map((i) => `  - ${i.message}`).join('\n')}`, { file }, { issues: list });
};

/** `text` is the file's JSON text, when there is one, for line and column numbers. */
export function checkSplits(value: unknown, caseIds: readonly string[], file: string, text?: string): Fold[] {
  if (!validate(value)) {
    return fail((validate.errors ?? []).map((e) => ({
      code: 'SPLITS_SCHEMA', file, path: e.instancePath, message: `${e.instancePath || '/'} ${e.message}`,
    })), file, text);
  }
  const known = new Set(caseIds);
  const issues: Issue[] = [];
  value.forEach((fold, f) => {
    for (const part of ['train', 'val'] as const) {
      fold[part].forEach((id, i) => {
        if (!known.has(id)) {
          issues.push({ code: 'SPLITS_UNKNOWN_CASE', file, path: `/${f}/${part}/${i}`, item: id, message: `/${f}/${part}/${i}: fold ${f} ${part}: case '${id}' is not in the dataset` });
        }
      });
    }
    const overlap = fold.val.filter((id) => fold.train.includes(id));
    if (overlap.length > 0) {
      issues.push({ code: 'SPLITS_OVERLAP', file, path: `/${f}`, message: `/${f}: fold ${f}: ${overlap.length} case(s) in both train and val (${overlap.slice(0, 3).join(', ')})` });
    }
  });
  if (issues.length > 0) fail(issues, file, text);
  return value;
}

/** `file` is where the user put the splits (errors name it); `copy` the bytes the run reads, when stored elsewhere. */
export async function readSplitsFile(file: string, ids: string[], copy = file): Promise<Fold[]> {
  let text: string;
  try {
    text = await readFile(copy, 'utf8');
  } catch (cause) {
    throw new SplitsError('SPLITS_UNREADABLE', `${file}: cannot read the splits file (${(cause as Error).message})`, { file }, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const { line, column } = jsonErrorPosition(text, cause);
    throw new SplitsError('SPLITS_UNREADABLE', `${file}:${line}:${column}: the splits file is not valid JSON (${(cause as Error).message})`,
      { file, line, column }, { cause });
  }
  return checkSplits(parsed, ids, file, text);
}

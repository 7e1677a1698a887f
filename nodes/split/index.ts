/**
 * Kind `split` (spec §5.1): splits_final.json for the dataset's training cases - nnU-Net's seeded 5-fold KFold,
 * or a user file (param `file`, else the raw folder's own splits_final.json) checked against the cases.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionContext, NodeKind } from '../../src/engine/index.js';
import { SPLITS_FILE } from '../dataset/index.js';
import { readCaseListing } from '../dataset/listing.js';
import { pyJsonStringify } from '../plan/py-json.js';
import { kfoldSplits, type Fold } from './kfold.js';
import { paramsSchema, type SplitParams } from './params.js';
import { checkSplits, SplitsError } from './splits-file.js';
import { jsonErrorPosition } from '../../src/util/json-position.js';

/** The file as nnU-Net's save_json writes it (sorted keys, indent 4). */
export const splitsJson = (folds: Fold[]): string => pyJsonStringify(folds, { isFloat: () => false, sortKeys: () => true });

/** `file` is where the user put the splits (errors name it); `copy` the bytes the run reads, when stored elsewhere. */
async function readSplits(file: string, ids: string[], copy = file): Promise<Fold[]> {
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

async function run(ctx: ActionContext<SplitParams>) {
  const dataset = ctx.input('dataset');
  const ids = dataset.items.map((i) => i.id);
  const rawSplits = join(dataset.dir, SPLITS_FILE);
  let folds: Fold[];
  if (ctx.params.file) {
    folds = await readSplits(ctx.params.file, ids);
  } else if (existsSync(rawSplits)) {
    ctx.log(`using the dataset's own ${SPLITS_FILE}`);
    // the dataset artifact holds a copy: problems are the user's file's, in the raw dataset folder
    const { root } = await readCaseListing(dataset.dir);
    folds = await readSplits(join(root, SPLITS_FILE), ids, rawSplits);
  } else {
    if (ids.length < ctx.params.folds) {
      throw new SplitsError('SPLITS_TOO_FEW_CASES', `${ids.length} training case(s) cannot make ${ctx.params.folds} folds`, {});
    }
    folds = kfoldSplits(ids, ctx.params.folds, ctx.params.seed);
  }
  await writeFile(join(ctx.outDir, SPLITS_FILE), splitsJson(folds));
  return { metrics: { folds: folds.length, cases: ids.length } };
}

export const split: NodeKind<SplitParams> = {
  kind: 'split',
  version: '1',
  description: "nnU-Net's cross-validation folds (KFold, shuffle, seed 12345) or a user splits_final.json",
  params: paramsSchema,
  externalInputs: (p) => (p.file ? [p.file] : []),
  run,
};

/**
 * Kind `split` (spec §5.1): splits_final.json for the dataset's training cases - nnU-Net's seeded 5-fold KFold,
 * or a user file checked against the cases.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionContext, NodeKind } from '../../src/engine/index.js';
import { pyJsonStringify } from '../plan/py-json.js';
import { kfoldSplits, type Fold } from './kfold.js';
import { paramsSchema, type SplitParams } from './params.js';
import { checkSplits, SplitsError } from './splits-file.js';

/** The file as nnU-Net's save_json writes it (sorted keys, indent 4). */
export const splitsJson = (folds: Fold[]): string => pyJsonStringify(folds, { isFloat: () => false, sortKeys: () => true });

async function run(ctx: ActionContext<SplitParams>) {
  const ids = ctx.input('dataset').items.map((i) => i.id);
  let folds: Fold[];
  if (ctx.params.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(ctx.params.file, 'utf8'));
    } catch (cause) {
      throw new SplitsError('SPLITS_UNREADABLE', `${ctx.params.file}: cannot read the splits file`, { file: ctx.params.file }, { cause });
    }
    folds = checkSplits(parsed, ids, ctx.params.file);
  } else {
    if (ids.length < ctx.params.folds) {
      throw new SplitsError('SPLITS_TOO_FEW_CASES', `${ids.length} training case(s) cannot make ${ctx.params.folds} folds`, {});
    }
    folds = kfoldSplits(ids, ctx.params.folds, ctx.params.seed);
  }
  await writeFile(join(ctx.outDir, 'splits_final.json'), splitsJson(folds));
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

/**
 * Kind `split` (spec §5.1): splits_final.json for the dataset's training cases - nnU-Net's seeded 5-fold KFold,
 * or a user file (param `file`, else the raw folder's own splits_final.json) checked against the cases.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionContext, NodeKind } from '../../src/engine/index.js';
import { SPLITS_FILE } from '../dataset/index.js';
import { readCaseListing } from '../dataset/listing.js';
import { pyJsonStringify } from '../../src/util/py-json.js';
import { kfoldSplits, type Fold } from './kfold.js';
import { paramsSchema, type SplitParams } from './params.js';
import { readSplitsFile, SplitsError } from './splits-file.js';

/** The file as nnU-Net's save_json writes it (sorted keys, indent 4). */
export const splitsJson = (folds: Fold[]): string => pyJsonStringify(folds, { isFloat: () => false, sortKeys: () => true });

async function run(ctx: ActionContext<SplitParams>) {
  const dataset = ctx.input('dataset');
  const ids = dataset.items.map((i) => i.id);
  const rawSplits = join(dataset.dir, SPLITS_FILE);
  let folds: Fold[];
  if (ctx.params.file) {
    folds = await readSplitsFile(ctx.params.file, ids);
  } else if (existsSync(rawSplits)) {
    ctx.log(`using the dataset's own ${SPLITS_FILE}`);
    // the dataset artifact holds a copy: problems are the user's file's, in the raw dataset folder
    const { root } = await readCaseListing(dataset.dir);
    folds = await readSplitsFile(join(root, SPLITS_FILE), ids, rawSplits);
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
  inputs: { dataset: { description: 'the dataset whose training cases it splits', required: true } },
  // bookkeeping: under a cluster executor it runs in the driver, never as a job
  resources: { light: true },
  externalInputs: (p) => (p.file ? [p.file] : []),
  run,
};

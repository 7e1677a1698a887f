/**
 * Kind `predicted-next-stage` (spec §7): every fold's predicted_next_stage/<next>/ of one configuration's validation,
 * merged into one tree, as nnU-Net keeps them in <Trainer>__<Plans>__3d_lowres/predicted_next_stage/ for the cascade
 * trainer. A pipeline needs this node to hand a cascade fold the segmentations of all previous-stage folds (a matrix
 * need only wires fold f to fold f). Needs: validate (the configuration's folds). Output:
 * predicted_next_stage/<next>/<case>.npy, hard links to the validation outputs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type ActionContext, type NodeKind } from '../../src/engine/index.js';
import { linkOrCopy } from '../../src/util/link-or-copy.js';
import { collectNextStageSegs, NEXT_STAGE_DIR, nextStageFile } from '../validate/next-stage.js';
import { paramsSchema, type PredictedNextStageParams } from './params.js';

async function run(ctx: ActionContext<PredictedNextStageParams>) {
  const { configuration } = ctx.params;
  const folds = (ctx.inputs.validate ?? []).filter((a) => a.matrix.configuration === undefined || a.matrix.configuration === configuration);
  const roots = folds.map((a) => a.dir);
  const stages = new Set<string>();
  for (const r of roots) if (existsSync(join(r, NEXT_STAGE_DIR))) for (const s of await readdir(join(r, NEXT_STAGE_DIR))) stages.add(s);
  if (stages.size === 0) {
    throw new NodeError('PREDICTED_NEXT_STAGE_EMPTY',
      `none of the ${folds.length} validate output(s) of ${configuration} holds ${NEXT_STAGE_DIR}/: is ${configuration} a stage with next_stage (3d_lowres)?`, { node: ctx.actionId });
  }
  const metrics: Record<string, number> = { folds: folds.length };
  for (const stage of [...stages].sort()) {
    const segs = await collectNextStageSegs(roots, stage, 'PREDICTED_NEXT_STAGE_DUPLICATE');
    await mkdir(join(ctx.outDir, NEXT_STAGE_DIR, stage), { recursive: true });
    for (const [id, file] of segs) {
      const to = nextStageFile(ctx.outDir, stage, id);
      await linkOrCopy(file, to);
    }
    metrics[`${stage}_cases`] = segs.size;
  }
  return { metrics };
}

export const predictedNextStage: NodeKind<PredictedNextStageParams> = {
  kind: 'predicted-next-stage',
  version: '1',
  description: "a stage's out-of-fold segmentations for the next cascade stage: every validation fold's predicted_next_stage/, merged",
  params: paramsSchema,
  inputs: { validate: { description: "the lowres folds' validation predictions" } },
  run,
};

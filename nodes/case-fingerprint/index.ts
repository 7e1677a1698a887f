/**
 * Kind `case-fingerprint` (spec §2): one action per dataset case. Output: case_fingerprint.json and
 * foreground_<channel>.npy (float32 foreground values) for the `fingerprint` aggregate.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type ActionContext, type NodeKind } from '../../src/engine/index.js';
import { writeNpy } from '../../src/imaging/index.js';
import type { CaseItemData } from '../dataset/format.js';
import { analyzeCase } from './analyze-case.js';

export const CASE_FILE = 'case_fingerprint.json';
export const foregroundFile = (channel: number) => `foreground_${String(channel).padStart(4, '0')}.npy`;

async function run(ctx: ActionContext<Record<string, never>>) {
  const item = ctx.item;
  if (!item) throw new NodeError('CASE_FINGERPRINT_NO_CASE', 'case-fingerprint runs per dataset case (foreach: dataset)', { node: ctx.actionId });
  const { images, label, reader_writer: readerWriter } = item.data as unknown as CaseItemData;
  const { summary, foreground } = await analyzeCase(item.id, images, label, readerWriter);
  for (const [c, values] of foreground.entries()) await writeNpy(join(ctx.outDir, foregroundFile(c)), values, [values.length]);
  await writeFile(join(ctx.outDir, CASE_FILE), JSON.stringify(summary, null, 2));
  return { metrics: { foreground_voxels: summary.num_foreground } };
}

export const caseFingerprint: NodeKind<Record<string, never>> = {
  kind: 'case-fingerprint',
  version: '1',
  description: "One case's part of nnU-Net's dataset fingerprint: spacing, shape after crop, foreground intensities",
  params: { type: 'object', properties: {}, additionalProperties: false },
  inputs: { dataset: { description: 'the dataset whose cases it fans out over', required: true } },
  foreach: 'dataset',
  run,
};

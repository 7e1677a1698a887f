/**
 * One preprocessing job as the worker runs it: read the case's files, preprocess, write
 * `<case>.npy` (float32, channels first), `<case>_seg.npy` (int16) and `<case>.json` (properties) into outDir.
 * Arrays never travel between threads: the worker writes them itself.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NnunetError, NodeError } from '../../src/engine/errors.js';
import { fsError } from '../../src/engine/fs-errors.js';
import { readCase, readCaseSegmentation, writeNpy } from '../../src/imaging/index.js';
import type { LabelValue } from '../dataset/format.js';
import { preprocessCase, type PreprocessPlans } from './preprocess-case.js';

export interface CaseTask {
  caseId: string;
  images: string[];
  /** null for unlabelled (test) cases */
  label: string | null;
  /** the dataset's reader/writer override, when set: the class both files are read through */
  readerWriter?: string;
  plans: PreprocessPlans;
  configuration: string;
  labels: Record<string, LabelValue>;
  outDir: string;
}

export interface CaseSummary {
  caseId: string;
  /** [C, X, Y, Z] of the written data */
  shape: number[];
  /** odd inputs nnU-Net processes silently (e.g. an image with no nonzero voxel) */
  warnings: string[];
}

const hasNonzero = (data: ArrayLike<number>): boolean => {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) return true;
  return false;
};

export async function runCaseTask(task: CaseTask): Promise<CaseSummary> {
  const { caseId, outDir } = task;
  try {
    const image = await readCase(task.images, task.readerWriter);
    const seg = task.label === null ? null : await readCaseSegmentation(task.label, task.readerWriter);
    const warnings: string[] = [];
    // nnU-Net keeps the whole image (empty mask -> full bbox) and z-scores it to zeros; we do the same but say so
    if (!hasNonzero(image.data)) warnings.push(`case ${caseId}: image has no nonzero voxel; nothing is cropped and the data normalizes to 0`);
    const out = preprocessCase(image, seg, task.plans, task.configuration, { labels: task.labels });
    await writeNpy(join(outDir, `${caseId}.npy`), out.data, out.shape);
    if (out.seg) await writeNpy(join(outDir, `${caseId}_seg.npy`), out.seg, [1, ...out.shape.slice(1)]);
    await writeFile(join(outDir, `${caseId}.json`), JSON.stringify(out.properties));
    return { caseId, shape: out.shape, warnings };
  } catch (err) {
    if (err instanceof NnunetError && err.context.item) throw err;
    // a full disk or a read-only output is the machine's, and says so (FS_ENOSPC naming the file), not PREPROCESS_FAILED
    const e = err instanceof NnunetError ? err : fsError(err) ?? null;
    throw new NodeError(
      e?.code ?? 'PREPROCESS_FAILED',
      `case ${caseId}: ${e?.message ?? (err as Error).message}`,
      { ...e?.context, item: caseId, file: e?.context.file ?? task.label ?? task.images[0] },
      { cause: err, issues: e?.issues },
    );
  }
}

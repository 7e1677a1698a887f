// Real preprocessed Hippocampus cases for the loader's e2e test and benchmark, made by the preprocess node's
// own per-case job (nnU-Net's plans for Dataset004: identity transpose, spacing 1, z-score without mask).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCaseTask } from '../../nodes/preprocess/run-case.js';
import { configuration, plans } from '../../nodes/preprocess/test-helpers.js';

export const HIPPOCAMPUS = new URL('../../../shared/datasets/Dataset004_Hippocampus', import.meta.url).pathname;

/** Preprocesses the first `count` labelled cases for `config` into `outDir`; returns their ids. */
export async function preprocessHippocampus(outDir: string, count: number, config: '2d' | '3d_fullres'): Promise<string[]> {
  const ds = JSON.parse(readFileSync(join(HIPPOCAMPUS, 'dataset.json'), 'utf8')) as { labels: Record<string, number> };
  const ids = readdirSync(join(HIPPOCAMPUS, 'labelsTr'))
    .filter((f) => f.endsWith('.nii.gz') && !f.startsWith('.'))
    .map((f) => f.slice(0, -7))
    .sort()
    .slice(0, count);
  const spacing = config === '2d' ? [1, 1] : [1, 1, 1];
  const p = plans([0, 1, 2], { [config]: configuration(spacing, ['ZScoreNormalization'], [false]) }, { 0: {} });
  for (const id of ids) {
    await runCaseTask({
      caseId: id,
      images: [join(HIPPOCAMPUS, 'imagesTr', `${id}_0000.nii.gz`)],
      label: join(HIPPOCAMPUS, 'labelsTr', `${id}.nii.gz`),
      plans: p,
      configuration: config,
      labels: ds.labels,
      outDir,
    });
  }
  return ids;
}

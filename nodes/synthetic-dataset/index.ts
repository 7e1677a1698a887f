/**
 * Kind `synthetic-dataset`: writes a small, deterministic nnU-Net raw dataset (the quickstart's embedded
 * default) so a fresh clone can run the whole method without downloading anything.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionContext, NodeKind } from '../../src/engine/index.js';
import { writeImage } from '../../src/imaging/index.js';
import type { ImageGeometry, Volume } from '../../src/imaging/volume.js';
import { makePhantom } from './phantom.js';
import { paramsSchema, type SyntheticDatasetParams } from './params.js';

const caseId = (i: number): string => `phantom_${String(i).padStart(3, '0')}`;

async function run(ctx: ActionContext<SyntheticDatasetParams>) {
  const { cases, test_cases, seed, shape, spacing } = ctx.params;
  const geometry: ImageGeometry = {
    dimension: 3,
    itkSpacing: [spacing[2], spacing[1], spacing[0]],
    itkOrigin: [0, 0, 0],
    itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  for (const d of ['imagesTr', 'labelsTr', 'imagesTs', 'labelsTs']) await mkdir(join(ctx.outDir, d));
  const total = cases + test_cases;
  for (let i = 0; i < total; i++) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const p = makePhantom(seed + i, shape);
    const train = i < cases;
    const vol = (data: Float32Array | Uint8Array): Volume => ({ data, channels: 1, shape: p.shape, spacing, geometry });
    await writeImage(join(ctx.outDir, train ? 'imagesTr' : 'imagesTs', `${caseId(i)}_0000.nii.gz`), vol(p.image));
    await writeImage(join(ctx.outDir, train ? 'labelsTr' : 'labelsTs', `${caseId(i)}.nii.gz`), vol(p.label));
    ctx.progress({ done: i + 1, total, message: caseId(i) });
  }
  const datasetJson = {
    channel_names: { '0': 'MRI' },
    labels: { background: 0, head: 1, body: 2 },
    numTraining: cases,
    file_ending: '.nii.gz',
    name: 'Phantom',
    description: 'Deterministic synthetic MRI-like phantoms with two touching structures (nnunet-ts quickstart)',
  };
  await writeFile(join(ctx.outDir, 'dataset.json'), JSON.stringify(datasetJson, null, 4));
  return { metrics: { cases, test_cases } };
}

export const syntheticDataset: NodeKind<SyntheticDatasetParams> = {
  kind: 'synthetic-dataset',
  version: '1',
  description: 'Generate a small deterministic raw dataset (imagesTr/labelsTr/imagesTs/labelsTs + dataset.json)',
  params: paramsSchema,
  // bookkeeping: under a cluster executor it runs in the driver, never as a job
  resources: { light: true },
  run,
};

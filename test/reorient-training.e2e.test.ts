/**
 * Training with `overwrite_image_reader_writer: NibabelIOWithReorient` (nnU-Net's NibabelIOWithReorient): twin
 * datasets hold the same physical images, one stored RAS (read as is), the other stored I-L-A with anisotropic,
 * permuted spacing and the override. nnU-Net reorients the second to RAS before anything sees it, so its pipeline
 * must give the RAS twin's fingerprint (RAS spacings and shapes) and preprocessed arrays; the override's validation and
 * test predictions must lie on each file's own grid, voxel for voxel the RAS twin's prediction carried back.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/engine/index.js';
import { readImage, readSegmentation, writeImage, type ImageGeometry, type Shape3 } from '../src/imaging/index.js';
import type { DatasetJson } from '../nodes/dataset/format.js';
import { evaluateFolder, evaluationTargets } from '../nodes/evaluate/evaluate-folder.js';
import type { Plans } from '../nodes/plan/format.js';
import { analyzeCase } from '../nodes/case-fingerprint/analyze-case.js';
import { closeModel, openModel } from '../nodes/predict/model.js';
import type { PreprocessPlans } from '../nodes/preprocess/preprocess-case.js';
import { runCaseTask } from '../nodes/preprocess/run-case.js';
import { predictFolder } from '../nodes/predict/predict-folder.js';
import { validateFold } from '../nodes/validate/validate-fold.js';
import { cli } from './engine/cli-harness.js';
import { writeRandomCheckpoint } from './predict/tiny-model.js';

const PIPELINE = new URL('../pipelines/nnunet.yaml', import.meta.url).pathname;
/** the RAS twin's file size (x, y, z) and spacing: every axis differs, so a wrong permutation changes shapes */
const SIZE = [13, 10, 6];
const SPACING = [0.75, 1.25, 3];
const RAS: ImageGeometry = { dimension: 3, itkSpacing: SPACING, itkOrigin: [5, -7, 11], itkDirection: [-1, 0, 0, 0, -1, 0, 0, 0, 1] };
/** file axis i of the reoriented twin is the RAS twin's axis FROM[i], backwards where FLIP[i]: axes I, L, A */
const FROM = [2, 0, 1];
const FLIP = [true, true, false];
const OTHER_SIZE = FROM.map((a) => SIZE[a]);
const OTHER: ImageGeometry = {
  dimension: 3,
  itkSpacing: FROM.map((a) => SPACING[a]),
  // where the RAS twin's voxel (x, y, z) = (12, 0, 5) lies: the other file's first voxel
  itkOrigin: [5 - (SIZE[0] - 1) * SPACING[0], -7, 11 + (SIZE[2] - 1) * SPACING[2]],
  // columns: I, L, A in ITK's LPS world
  itkDirection: [0, 1, 0, 0, 0, -1, -1, 0, 0],
};
const arrayShape = (fileSize: number[]): Shape3 => [fileSize[2], fileSize[1], fileSize[0]];

/** The RAS twin's voxels (C order over its (z, y, x)) laid out as the other file stores them. */
function asOtherFile<T extends Float32Array | Uint8Array>(ras: T): T {
  const out = new (ras.constructor as new (n: number) => T)(ras.length);
  const [X, Y] = SIZE;
  const b = [0, 0, 0];
  let o = 0;
  for (let a2 = 0; a2 < OTHER_SIZE[2]; a2++) for (let a1 = 0; a1 < OTHER_SIZE[1]; a1++) for (let a0 = 0; a0 < OTHER_SIZE[0]; a0++) {
    [a0, a1, a2].forEach((a, i) => { b[FROM[i]] = FLIP[i] ? OTHER_SIZE[i] - 1 - a : a; });
    out[o++] = ras[(b[2] * Y + b[1]) * X + b[0]];
  }
  return out;
}

/** Two blobs on a noisy background (deterministic): label 1 and 2 where they are. */
function phantom(seed: number): { image: Float32Array; label: Uint8Array } {
  const [X, Y, Z] = SIZE;
  const image = new Float32Array(X * Y * Z);
  const label = new Uint8Array(X * Y * Z);
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const blobs = [[3 + rnd() * 3, 3 + rnd() * 2, 2, 1], [8 + rnd() * 2, 5 + rnd() * 2, 3, 2]];
  for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
    const i = (z * Y + y) * X + x;
    image[i] = 10 * rnd();
    for (const [cx, cy, cz, l] of blobs) {
      if ((x - cx) ** 2 + (y - cy) ** 2 + 4 * (z - cz) ** 2 < 7) [image[i], label[i]] = [60 * l + 10 * rnd(), l];
    }
  }
  return { image, label };
}

const CASES = ['c0', 'c1', 'c2'];
const LABELS = { background: 0, a: 1, b: 2 };

/** The reoriented twin is the dataset the pipeline runs on; the RAS twin is the same files as nnU-Net sees them. */
async function twinDatasets(dir: string): Promise<{ ras: string; other: string }> {
  const roots = { ras: join(dir, 'ras'), other: join(dir, 'Dataset992_Ila') };
  for (const root of Object.values(roots)) for (const f of ['imagesTr', 'labelsTr', 'imagesTs']) mkdirSync(join(root, f), { recursive: true });
  writeFileSync(join(roots.other, 'dataset.json'), JSON.stringify({
    channel_names: { 0: 'MRI' }, labels: LABELS, numTraining: CASES.length, file_ending: '.nii.gz', overwrite_image_reader_writer: 'NibabelIOWithReorient',
  }));
  for (const [k, id] of [...CASES, 'test'].entries()) {
    const { image, label } = phantom(k + 1);
    const folder = id === 'test' ? 'imagesTs' : 'imagesTr';
    const write = (root: string, file: string, data: Float32Array | Uint8Array, geometry: ImageGeometry, size: number[]) =>
      writeImage(join(root, file), { data, channels: 1, shape: arrayShape(size), spacing: [1, 1, 1], geometry });
    await write(roots.ras, `${folder}/${id}_0000.nii.gz`, image, RAS, SIZE);
    await write(roots.other, `${folder}/${id}_0000.nii.gz`, asOtherFile(image), OTHER, OTHER_SIZE);
    if (id === 'test') continue;
    await write(roots.ras, `labelsTr/${id}.nii.gz`, label, RAS, SIZE);
    await write(roots.other, `labelsTr/${id}.nii.gz`, asOtherFile(label), OTHER, OTHER_SIZE);
  }
  return roots;
}

/** action id -> its artifact folder, from the run record the CLI names. */
function artifacts(store: string, out: string): Map<string, string> {
  const id = /run (\S+) succeeded/.exec(out)?.[1];
  expect(id, out).toBeDefined();
  const record = JSON.parse(readFileSync(join(store, 'runs', id!, 'run.json'), 'utf8')) as RunRecord;
  return new Map(record.nodes.filter((n) => n.outputs).map((n) => [n.id, join(store, '.nnunet', 'artifacts', n.outputs!.digest)]));
}

const text = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const json = (dir: string, file: string) => JSON.parse(text(dir, file)) as Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), 'nnunet-reorient-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training with overwrite_image_reader_writer: NibabelIOWithReorient', () => {
  it('fingerprints and preprocesses RAS arrays, and writes predictions back on each file', { timeout: 180_000 }, async () => {
    const roots = await twinDatasets(dir);
    const store = join(dir, 'store');
    mkdirSync(store);
    const run = await cli(['run', PIPELINE, 'preprocess', '--set', `dataset=${roots.other}`, '--set', 'configurations=[3d_fullres]', '-q'], store);
    expect(run.code, run.out + run.err).toBe(0);
    const other = artifacts(store, run.out);
    const preprocessed = (id: string) => other.get(`preprocess[configuration=3d_fullres,case=${id}]`)!;
    const plans = json(other.get('plan')!, 'nnUNetPlans.json');
    expect(plans.image_reader_writer).toBe('NibabelIOWithReorient');
    const rasFiles = (id: string) => ({ images: [join(roots.ras, 'imagesTr', `${id}_0000.nii.gz`)], label: join(roots.ras, 'labelsTr', `${id}.nii.gz`) });

    // fingerprint: RAS order, as nnU-Net records it for this reader; the same as the RAS twin's
    for (const id of CASES) {
      const fp = json(other.get(`case_fingerprint[case=${id}]`)!, 'case_fingerprint.json');
      expect(fp.spacing).toEqual([SPACING[2], SPACING[1], SPACING[0]]);
      expect(fp.shape_before_crop).toEqual(arrayShape(SIZE));
      const { summary } = await analyzeCase(id, rasFiles(id).images, rasFiles(id).label);
      expect(fp).toEqual(JSON.parse(JSON.stringify(summary)));
    }

    // preprocessed arrays: byte for byte the RAS twin's under the same plans; only the writer's geometry differs
    const settings = json(other.get('preprocess_settings[configuration=3d_fullres]')!, 'nnUNetPlans.json') as unknown as PreprocessPlans;
    for (const id of CASES) {
      const twin = join(dir, 'ras-preprocessed', id);
      mkdirSync(twin, { recursive: true });
      await runCaseTask({ caseId: id, ...rasFiles(id), plans: settings, configuration: '3d_fullres', labels: LABELS, outDir: twin });
      for (const f of [`${id}.npy`, `${id}_seg.npy`]) expect(readFileSync(join(preprocessed(id), f)).equals(readFileSync(join(twin, f))), f).toBe(true);
      const [pa, pb] = [json(preprocessed(id), `${id}.json`), json(twin, `${id}.json`)];
      expect((pa.sitk_stuff as { direction: number[] }).direction).toEqual(OTHER.itkDirection);
      expect({ ...pa, sitk_stuff: null }).toEqual({ ...pb, sitk_stuff: null });
    }

    // one network (random weights: no training needed) on both twins: the reoriented file's prediction is the RAS
    // one carried back, on its own grid
    const modelDir = join(dir, 'model');
    const checkpoint = join(modelDir, '3d_fullres', 'fold_0', 'checkpoint_final');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'plans.json'), text(other.get('plan')!, 'nnUNetPlans.json'));
    writeFileSync(join(modelDir, 'dataset.json'), text(other.get('plan')!, 'dataset.json'));
    await writeRandomCheckpoint(checkpoint, plans as unknown as Plans, '3d_fullres', json(modelDir, 'dataset.json') as unknown as DatasetJson, 0, 7);
    const cases = [...CASES.map((id) => ({ id, folder: 'imagesTr' })), { id: 'test', folder: 'imagesTs' }];
    const model = await openModel(modelDir);
    try {
      for (const [name, root] of Object.entries(roots)) {
        const r = await predictFolder(cases.map(({ id, folder }) => ({ id, files: [join(root, folder, `${id}_0000.nii.gz`)] })), model,
          join(dir, `pred-${name}`), { tta: false });
        expect(r.failed).toEqual([]);
      }
    } finally {
      closeModel(model);
    }
    for (const { id, folder } of cases) {
      const [onOther, onRas] = await Promise.all(['other', 'ras'].map((name) => readSegmentation(join(dir, `pred-${name}`, `${id}.nii.gz`))));
      const input = await readImage([join(roots.other, folder, `${id}_0000.nii.gz`)]);
      expect(onOther.geometry).toEqual(input.geometry);
      expect(onOther.shape).toEqual(arrayShape(OTHER_SIZE));
      expect(new Set(onRas.data).size, `${id}: a prediction with more than one label`).toBeGreaterThan(1);
      expect(Array.from(onOther.data), id).toEqual(Array.from(asOtherFile(onRas.data)));
    }

    // validation from the preprocessed data writes the same files, and scores against the labels read as the model reads
    const summary = await validateFold({
      checkpointDir: checkpoint, outDir: join(dir, 'validate'), saveProbabilities: false, tta: false,
      cases: CASES.map((id) => ({ id, preprocessedDir: preprocessed(id), reference: join(roots.other, 'labelsTr', `${id}.nii.gz`) })),
    });
    for (const id of CASES) {
      const written = await readSegmentation(join(dir, 'validate', 'validation', `${id}.nii.gz`));
      expect(written.geometry).toEqual((await readSegmentation(join(roots.other, 'labelsTr', `${id}.nii.gz`))).geometry);
      expect(Array.from(written.data), id).toEqual(Array.from((await readSegmentation(join(dir, 'pred-other', `${id}.nii.gz`))).data));
    }
    const evaluated = await evaluateFolder(join(dir, 'validate', 'validation'), join(roots.other, 'labelsTr'),
      { targets: evaluationTargets(LABELS), ignoreLabel: null, fileEnding: '.nii.gz', chill: true });
    expect(summary.mean).toEqual(evaluated.mean);
  });
});

/**
 * A corpus of broken nnU-Net raw datasets, each made from a copy of one small valid dataset by a single edit
 * (or a few, for the variant that checks every problem is reported in one run). A variant says which error
 * codes must come out and which words (file, case id, field) the message must name.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { itkWrite } from '../../src/imaging/io/itk.js';
import { writeImage } from '../../src/imaging/index.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import { caseVolumes, volume, writeDataset } from '../planning/synthetic.js';

/** The valid dataset every variant starts from: 3 cases, 2 channels (T1, T2), labels 0/1/2, 8x9x10 voxels. */
export const SHAPE: Shape3 = [8, 9, 10];
export const CASES = ['case_a', 'case_b', 'case_c'];

export async function writeGoodDataset(dir: string): Promise<void> {
  await writeDataset(dir, CASES.map((id) => ({ id, shape: SHAPE })), { channels: ['T1', 'T2'] });
}

export interface Variant {
  name: string;
  /** edits a copy of the good dataset in place */
  build(dir: string): Promise<void> | void;
  /** error codes that must all be reported (the dataset node's issue codes, or the top-level code) */
  codes: string[];
  /** text the error output must contain: file names, case ids, JSON fields (`file:line:col` where known); `<dir>` is the dataset folder */
  mentions: string[];
  /** text the error output must not contain (something that is fine and must not be blamed) */
  absent?: string[];
}

const img = (dir: string, id: string, ch = 0) => join(dir, 'imagesTr', `${id}_${String(ch).padStart(4, '0')}.nii.gz`);
const lbl = (dir: string, id: string) => join(dir, 'labelsTr', `${id}.nii.gz`);

function editJson(dir: string, edit: (ds: Record<string, unknown>) => void): void {
  const file = join(dir, 'dataset.json');
  const ds = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(ds);
  writeFileSync(file, JSON.stringify(ds, null, 4));
}

/** Overwrites one file with a volume of the good pattern, changed by `tweak` (shape, spacing, origin, data). */
async function rewrite(file: string, opts: { shape?: Shape3; spacing?: Shape3; origin?: number[]; direction?: number[];
  label?: boolean; data?: (d: Float32Array) => void } = {}): Promise<void> {
  const shape = opts.shape ?? SHAPE;
  const { image, label } = caseVolumes(shape, opts.spacing ?? [1, 1, 1], 0, 0);
  const base = opts.label ? label : image;
  let data: Float32Array | Uint8Array = base.data;
  if (opts.data) {
    const f = Float32Array.from(base.data);
    opts.data(f);
    data = f;
  }
  const vol = volume(data, shape, opts.spacing ?? [1, 1, 1], opts.origin);
  if (opts.direction) vol.geometry.itkDirection = opts.direction;
  await writeImage(file, vol);
}

/** A 2D PNG dataset (NaturalImage2DIO) whose one label is RGB. */
async function pngDatasetWithRgbLabel(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'imagesTr'), { recursive: true });
  mkdirSync(join(dir, 'labelsTr'), { recursive: true });
  const [h, w] = [9, 10];
  const flat = { dimension: 2 as const, itkSpacing: [1, 1], itkOrigin: [0, 0], itkDirection: [1, 0, 0, 1] };
  for (const [n, id] of CASES.entries()) {
    const grey = Uint8Array.from({ length: h * w }, (_, i) => (i * 7 + n) % 200);
    await writeImage(join(dir, 'imagesTr', `${id}_0000.png`), { data: grey, channels: 1, shape: [1, h, w], spacing: [999, 1, 1], geometry: flat });
    const seg = Uint8Array.from({ length: h * w }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const channels = id === 'case_b' ? 3 : 1;
    const data = channels === 3 ? new Uint8Array(3 * h * w).fill(0).map((_, i) => seg[i % (h * w)]) : seg;
    await writeImage(join(dir, 'labelsTr', `${id}.png`), { data, channels, shape: [1, h, w], spacing: [999, 1, 1], geometry: flat });
  }
  writeFileSync(join(dir, 'dataset.json'), JSON.stringify({
    channel_names: { 0: 'grey' }, labels: { background: 0, a: 1 }, numTraining: 3, file_ending: '.png',
  }, null, 4));
}

/**
 * A 3D TIFF dataset whose image spacing files sit at `<case>_0000.json` (where a writer puts them) instead of
 * Tiff3DIO's `<case>.json`: the images read as 1 x 1 x 1 and disagree with the labels.
 */
async function tiffDatasetWithMisplacedSpacing(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  for (const f of ['imagesTr', 'labelsTr']) mkdirSync(join(dir, f), { recursive: true });
  const spacing: Shape3 = [2, 0.5, 0.5];
  for (const [n, id] of CASES.entries()) {
    const { image, label } = caseVolumes(SHAPE, spacing, 0, n + 1);
    await writeImage(join(dir, 'imagesTr', `${id}_0000.tif`), image);
    await writeImage(join(dir, 'labelsTr', `${id}.tif`), label);
  }
  writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ channel_names: { 0: 'EM' }, labels: { background: 0, a: 1, b: 2 }, numTraining: 3, file_ending: '.tif' }, null, 4));
}

export const variants: Variant[] = [
  // dataset.json itself
  { name: 'dataset.json missing', build: (d) => unlinkSync(join(d, 'dataset.json')), codes: ['DATASET_JSON_UNREADABLE'], mentions: ['dataset.json'] },
  {
    name: 'dataset.json with a trailing comma',
    build: (d) => writeFileSync(join(d, 'dataset.json'), '{\n  "channel_names": {"0": "T1", "1": "T2"},\n  "labels": {"background": 0, "a": 1, "b": 2},\n  "numTraining": 3,\n  "file_ending": ".nii.gz",\n}\n'),
    codes: ['DATASET_JSON_UNREADABLE'], mentions: ['dataset.json:6:1'],
  },
  {
    // Python's json gives up near 1000 levels; a regular expression over this file once exhausted V8's memory
    name: 'dataset.json nested 100000 levels deep', build: (d) => writeFileSync(join(d, 'dataset.json'), `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    codes: ['DATASET_JSON_UNREADABLE'], mentions: ['dataset.json:1:513', 'nested deeper than 512 levels'],
  },
  {
    name: 'dataset.json in Latin-1, not UTF-8',
    build: (d) => writeFileSync(join(d, 'dataset.json'), Buffer.concat([Buffer.from('{\n  "name": "'), Buffer.from([0xe9]), Buffer.from('",\n}')])),
    codes: ['DATASET_JSON_UNREADABLE'], mentions: ['dataset.json:2:12', 'not UTF-8 text'],
  },
  { name: 'no labels', build: (d) => editJson(d, (ds) => delete ds.labels), codes: ['DATASET_JSON_SCHEMA'], mentions: ['dataset.json:1:1', 'labels'] },
  { name: 'no channel_names', build: (d) => editJson(d, (ds) => delete ds.channel_names), codes: ['DATASET_JSON_SCHEMA'], mentions: ['channel_names'] },
  { name: 'no file_ending', build: (d) => editJson(d, (ds) => delete ds.file_ending), codes: ['DATASET_JSON_SCHEMA'], mentions: ['file_ending'] },
  { name: 'no numTraining', build: (d) => editJson(d, (ds) => delete ds.numTraining), codes: ['DATASET_JSON_SCHEMA'], mentions: ['numTraining'] },
  {
    name: 'numTraining is a string', build: (d) => editJson(d, (ds) => { ds.numTraining = '3'; }),
    codes: ['DATASET_JSON_SCHEMA'], mentions: ['dataset.json:11:20', '/numTraining'],
  },
  {
    // a semantic problem of dataset.json no longer hides the cases' problems: one run reports both
    name: 'regions_class_order of the wrong length, and a missing label',
    build: (d) => { editJson(d, (ds) => { ds.labels = { background: 0, whole: [1, 2], core: 2 }; ds.regions_class_order = [1]; }); unlinkSync(lbl(d, 'case_a')); },
    codes: ['DATASET_REGIONS_CLASS_ORDER', 'DATASET_MISSING_LABEL'], mentions: ['regions_class_order needs one entry per region (2), got 1', '<dir>/labelsTr/case_a.nii.gz'],
  },
  {
    name: 'labels without background 0', build: (d) => editJson(d, (ds) => { ds.labels = { background: 1, a: 0, b: 2 }; }),
    codes: ['DATASET_BACKGROUND'], mentions: ['/labels/background', 'dataset.json:7:', 'labels.background must be 0, got 1'],
  },
  {
    name: 'non-consecutive label values', build: (d) => editJson(d, (ds) => { ds.labels = { background: 0, a: 1, b: 3 }; }),
    codes: ['DATASET_LABELS_NOT_CONSECUTIVE'], mentions: ['dataset.json:6:15', '/labels', "[0, 1, 3]: 2 is missing, so 'b' (3) does not fit"],
  },
  { name: 'numTraining mismatch', build: (d) => editJson(d, (ds) => { ds.numTraining = 5; }), codes: ['DATASET_NUM_TRAINING'], mentions: ['dataset.json:11:20', 'numTraining is 5', '/numTraining'] },
  {
    name: 'region labels without regions_class_order',
    build: (d) => editJson(d, (ds) => { ds.labels = { background: 0, whole: [1, 2], core: 2 }; }),
    codes: ['DATASET_REGIONS_CLASS_ORDER'], mentions: ['regions_class_order'],
  },
  {
    name: 'ignore label not the highest', build: (d) => editJson(d, (ds) => { ds.labels = { background: 0, a: 1, ignore: 2, b: 3 }; }),
    codes: ['DATASET_IGNORE_LABEL'], mentions: ['/labels/ignore', 'max(other labels) + 1 = 4'],
  },
  {
    name: 'wrong file_ending (.nii for .nii.gz files)', build: (d) => editJson(d, (ds) => { ds.file_ending = '.nii'; }),
    codes: ['DATASET_NO_CASES'], mentions: ['imagesTr', '.nii.gz', 'file_ending'],
  },
  {
    name: 'a label value that is a string', build: (d) => editJson(d, (ds) => { ds.labels = { background: 0, a: '1', b: 2 }; }),
    codes: ['DATASET_JSON_SCHEMA'], mentions: ['dataset.json:8:14', '/labels/a', 'integer'],
  },
  // folders and files
  {
    name: 'an image file without the channel suffix', build: (d) => cpSync(img(d, 'case_a'), join(d, 'imagesTr', 'case_d.nii.gz')),
    codes: ['DATASET_BAD_FILE_NAME'], mentions: ['<dir>/imagesTr/case_d.nii.gz', '<case>_XXXX.nii.gz'],
  },
  {
    name: 'one case saved with another ending', build: (d) => {
      for (const ch of [0, 1]) cpSync(img(d, 'case_c', ch), img(d, 'case_c', ch).replace('.nii.gz', '.nrrd'));
      for (const ch of [0, 1]) unlinkSync(img(d, 'case_c', ch));
    },
    codes: ['DATASET_NUM_TRAINING'], mentions: ['numTraining is 3 but 2', 'case_c_0000.nrrd'],
  },
  { name: 'imagesTr empty', build: (d) => { rmSync(join(d, 'imagesTr'), { recursive: true }); mkdirSync(join(d, 'imagesTr')); }, codes: ['DATASET_NO_CASES'], mentions: ['imagesTr'] },
  {
    // a file where a folder belongs: listed as no cases (named), not a raw ENOTDIR that hid every other problem
    name: 'imagesTs is a file, and a label is missing', build: (d) => { writeFileSync(join(d, 'imagesTs'), 'x'); unlinkSync(lbl(d, 'case_a')); },
    codes: ['DATASET_MISSING_LABEL'], mentions: ['<dir>/labelsTr/case_a.nii.gz'], absent: ['ENOTDIR'],
  },
  {
    name: 'imagesTr is a file', build: (d) => { rmSync(join(d, 'imagesTr'), { recursive: true }); writeFileSync(join(d, 'imagesTr'), 'x'); },
    codes: ['DATASET_NO_CASES'], mentions: ['<dir>/imagesTr is a file, not a folder'],
  },
  { name: 'imagesTr missing', build: (d) => rmSync(join(d, 'imagesTr'), { recursive: true }), codes: ['DATASET_NO_CASES'], mentions: ['imagesTr'] },
  { name: 'a case without its label', build: (d) => unlinkSync(lbl(d, 'case_b')), codes: ['DATASET_MISSING_LABEL'], mentions: ['case_b', '<dir>/labelsTr/case_b.nii.gz'] },
  {
    name: 'a label without images',
    build: (d) => {
      cpSync(lbl(d, 'case_a'), lbl(d, 'case_z'));
      writeFileSync(lbl(d, '._case_a'), 'macOS resource fork'); // hidden: not reported
    },
    codes: ['DATASET_ORPHAN_LABEL'], mentions: ['<dir>/labelsTr/case_z.nii.gz', 'case_z'], absent: ['._case_a'],
  },
  { name: 'a missing channel file', build: (d) => unlinkSync(img(d, 'case_c', 1)), codes: ['DATASET_MISSING_CHANNEL'], mentions: ['case_c', '<dir>/imagesTr/case_c_0001.nii.gz'] },
  { name: 'an extra unexpected channel', build: (d) => cpSync(img(d, 'case_a', 1), img(d, 'case_a', 2)), codes: ['DATASET_EXTRA_CHANNEL'], mentions: ['case_a', '<dir>/imagesTr/case_a_0002.nii.gz'] },
  {
    name: 'image and label shape mismatch', build: (d) => rewrite(lbl(d, 'case_a'), { shape: [8, 9, 11], label: true }),
    codes: ['DATASET_LABEL_GEOMETRY'], mentions: ['case_a', '<dir>/labelsTr/case_a.nii.gz', 'shape [8, 9, 11]'],
  },
  {
    name: 'label spacing differs from the image', build: (d) => rewrite(lbl(d, 'case_b'), { spacing: [2, 1, 1], label: true }),
    codes: ['DATASET_LABEL_GEOMETRY'], mentions: ['case_b', '<dir>/labelsTr/case_b.nii.gz', 'spacing [2, 1, 1]'],
  },
  {
    name: 'channel origin differs', build: (d) => rewrite(img(d, 'case_a', 1), { origin: [5, 0, 0] }),
    codes: ['DATASET_CHANNEL_GEOMETRY'], mentions: ['case_a', '<dir>/imagesTr/case_a_0001.nii.gz', 'origin [5, 0, 0]'],
  },
  {
    name: 'channel direction differs', build: (d) => rewrite(img(d, 'case_c', 1), { direction: [-1, 0, 0, 0, 1, 0, 0, 0, 1] }),
    codes: ['DATASET_CHANNEL_GEOMETRY'], mentions: ['case_c', '<dir>/imagesTr/case_c_0001.nii.gz', 'direction'],
  },
  {
    name: 'label with undeclared values', build: (d) => rewrite(lbl(d, 'case_b'), { label: true, data: (x) => { x[0] = 7; } }),
    codes: ['DATASET_UNDECLARED_LABELS'], mentions: ['case_b', '<dir>/labelsTr/case_b.nii.gz', '[7]'],
  },
  {
    name: 'label with non-integer values', build: (d) => rewrite(lbl(d, 'case_c'), { label: true, data: (x) => { x[3] = 0.5; } }),
    codes: ['DATASET_NON_INTEGER_LABELS'], mentions: ['case_c', '0.5', '<dir>/labelsTr/case_c.nii.gz'],
  },
  { name: 'NaN voxels', build: (d) => rewrite(img(d, 'case_a'), { data: (x) => { x[10] = NaN; } }), codes: ['DATASET_UNREADABLE'], mentions: ['case_a', '<dir>/imagesTr/case_a_0000.nii.gz', 'NaN', 'IMAGE_NONFINITE'] },
  {
    name: 'truncated .nii.gz', build: (d) => { const f = img(d, 'case_b'); truncateSync(f, Math.floor(readFileSync(f).length / 2)); },
    codes: ['DATASET_UNREADABLE'], mentions: ['case_b', '<dir>/imagesTr/case_b_0000.nii.gz', 'truncated'],
  },
  {
    name: 'a folder named like an image', build: (d) => { unlinkSync(img(d, 'case_b', 1)); mkdirSync(img(d, 'case_b', 1)); },
    codes: ['DATASET_UNREADABLE'], mentions: ['case_b', '<dir>/imagesTr/case_b_0001.nii.gz', 'not a regular file'],
  },
  {
    // the engine hashes the whole folder first: a link to /dev/zero read forever, one to a FIFO waited forever, a loop
    // or a dangling link stopped everything with a raw ELOOP/ENOENT that hid the real defect
    name: 'links to /dev/zero and a FIFO, a link loop and a dangling link beside the data, and a missing label',
    build: (d) => {
      symlinkSync('/dev/zero', join(d, 'notes.txt'));
      execFileSync('mkfifo', [join(d, 'pipe')]);
      symlinkSync(join(d, 'pipe'), join(d, 'pipe-link'));
      symlinkSync('.', join(d, 'self'));
      symlinkSync(join(d, 'loop-b'), join(d, 'loop-a'));
      symlinkSync(join(d, 'loop-a'), join(d, 'loop-b'));
      symlinkSync('/nonexistent', join(d, 'README.md'));
      unlinkSync(lbl(d, 'case_b'));
    },
    codes: ['DATASET_MISSING_LABEL'], mentions: ['<dir>/labelsTr/case_b.nii.gz'],
  },
  {
    name: 'a channel file that links to /dev/zero', build: (d) => { unlinkSync(img(d, 'case_c', 1)); symlinkSync('/dev/zero', img(d, 'case_c', 1)); },
    codes: ['DATASET_UNREADABLE'], mentions: ['case_c', '<dir>/imagesTr/case_c_0001.nii.gz', 'not a regular file'],
  },
  { name: 'zero-byte file', build: (d) => writeFileSync(lbl(d, 'case_c'), ''), codes: ['DATASET_UNREADABLE'], mentions: ['case_c', '<dir>/labelsTr/case_c.nii.gz'] },
  { name: 'a text file named .nii.gz', build: (d) => writeFileSync(img(d, 'case_a', 1), 'not an image\n'), codes: ['DATASET_UNREADABLE'], mentions: ['case_a', '<dir>/imagesTr/case_a_0001.nii.gz'] },
  {
    name: 'a text file gzipped as .nii.gz', build: (d) => writeFileSync(img(d, 'case_a', 1), gzipSync(Buffer.from('not an image\n'.repeat(40)))),
    codes: ['DATASET_UNREADABLE'], mentions: ['case_a', '<dir>/imagesTr/case_a_0001.nii.gz', 'not a NIfTI file'],
  },
  {
    name: 'a 4D image as one channel (more channels than dataset.json declares)',
    build: async (d) => {
      const [z, y, x] = SHAPE;
      await itkWrite(img(d, 'case_b', 1), { dimension: 4, size: [x, y, z, 2], components: 1, data: new Float32Array(x * y * z * 2),
        spacing: [1, 1, 1, 1], origin: [0, 0, 0, 0], direction: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] });
    },
    codes: ['DATASET_CHANNEL_COUNT'], mentions: ['case_b', '<dir>/imagesTr/case_b_0001.nii.gz: 2', 'hold 3 channel(s)', 'declares 2'],
  },
  {
    name: 'a 3D TIFF dataset without Tiff3DIO spacing files beside the images', build: tiffDatasetWithMisplacedSpacing,
    codes: ['DATASET_LABEL_GEOMETRY'], mentions: ['case_a', '<dir>/labelsTr/case_a.tif', 'no spacing file <dir>/imagesTr/case_a.json', 'spacing 1 x 1 x 1'],
  },
  { name: 'a 2D PNG dataset with an RGB label', build: pngDatasetWithRgbLabel, codes: ['DATASET_UNREADABLE'], mentions: ['case_b', '<dir>/labelsTr/case_b.png', 'one channel'] },
  // the `dataset` key
  {
    name: 'a case id with a space (dataset key)',
    build: (d) => editJson(d, (ds) => {
      ds.dataset = Object.fromEntries(CASES.map((id) => [id === 'case_a' ? 'case a' : id,
        { images: [0, 1].map((c) => `imagesTr/${id}_000${c}.nii.gz`), label: `labelsTr/${id}.nii.gz` }]));
    }),
    codes: ['DATASET_CASE_ID'], mentions: ["'case a'", 'dataset.json:14:19', '/dataset/case a'],
  },
  {
    // preprocessing writes <id>.npy and <id>_seg.npy: case_a_seg's image would silently become case_a's labels
    name: 'case ids X and X_seg', build: (d) => {
      for (const c of [0, 1]) cpSync(img(d, 'case_c', c), img(d, 'case_a_seg', c));
      cpSync(lbl(d, 'case_c'), lbl(d, 'case_a_seg'));
      editJson(d, (ds) => { ds.numTraining = 4; });
    },
    codes: ['DATASET_CASE_ID'], mentions: ["case id 'case_a_seg' clashes with case 'case_a'"],
  },
  {
    name: "case ids '..' and with a control character (dataset key)",
    build: (d) => editJson(d, (ds) => {
      const ids: Record<string, string> = { case_a: '..', case_b: 'case\u001bb' };
      ds.dataset = Object.fromEntries(CASES.map((id) => [ids[id] ?? id, { images: [0, 1].map((c) => `imagesTr/${id}_000${c}.nii.gz`), label: `labelsTr/${id}.nii.gz` }]));
    }),
    codes: ['DATASET_CASE_ID'], mentions: ["case id '..' must not be", "case id 'case\\u001bb' must not be"],
  },
  {
    name: 'duplicate case ids (dataset key)',
    build: (d) => {
      const entry = (id: string) => `"${id}": {"images": ["imagesTr/${id}_0000.nii.gz", "imagesTr/${id}_0001.nii.gz"], "label": "labelsTr/${id}.nii.gz"}`;
      writeFileSync(join(d, 'dataset.json'), `{\n"channel_names": {"0": "T1", "1": "T2"},\n"labels": {"background": 0, "a": 1, "b": 2},\n"numTraining": 3,\n"file_ending": ".nii.gz",\n"dataset": {\n${[...CASES, 'case_a'].map(entry).join(',\n')}\n}\n}\n`);
    },
    codes: ['DATASET_JSON_DUPLICATE_KEY'], mentions: ['dataset.json:10:1', 'case_a'],
  },
  {
    name: 'dataset key: a missing image and a wrong channel count',
    build: (d) => editJson(d, (ds) => {
      ds.dataset = Object.fromEntries(CASES.map((id) => [id, {
        images: id === 'case_b' ? ['imagesTr/case_b_0000.nii.gz'] : [0, 1].map((c) => `imagesTr/${id === 'case_c' ? 'gone' : id}_000${c}.nii.gz`),
        label: `labelsTr/${id}.nii.gz` }]));
    }),
    codes: ['DATASET_CHANNEL_COUNT', 'DATASET_MISSING_CHANNEL'], mentions: ['case_b', 'case_c', '<dir>/imagesTr/gone_0000.nii.gz'],
  },
  // splits and test images
  {
    name: 'splits_final.json that is not JSON', build: (d) => writeFileSync(join(d, 'splits_final.json'), '[{"train": ["case_a"], "val": ["case_b"],}]'),
    codes: ['SPLITS_UNREADABLE'], mentions: ['<dir>/splits_final.json:1:42'],
  },
  {
    name: 'splits_final.json with an unknown case', build: (d) => writeFileSync(join(d, 'splits_final.json'), JSON.stringify([{ train: ['case_a', 'case_q'], val: ['case_b'] }])),
    codes: ['SPLITS_UNKNOWN_CASE'], mentions: ['<dir>/splits_final.json:1:21', 'case_q', '/0/train/1'],
  },
  {
    name: 'imagesTs with a wrong channel count',
    build: (d) => { mkdirSync(join(d, 'imagesTs')); cpSync(img(d, 'case_a'), join(d, 'imagesTs', 'test_1_0000.nii.gz')); },
    codes: ['DATASET_MISSING_CHANNEL'], mentions: ['test case test_1', '<dir>/imagesTs/test_1_0001.nii.gz'],
  },
  // several defects at once: every one must be reported by the same run
  {
    name: 'several defects in one dataset',
    build: async (d) => {
      editJson(d, (ds) => { ds.numTraining = 4; });
      unlinkSync(lbl(d, 'case_a'));
      unlinkSync(img(d, 'case_b', 1));
      truncateSync(lbl(d, 'case_c'), 20);
      await rewrite(img(d, 'case_c', 1), { shape: [8, 9, 12] });
    },
    codes: ['DATASET_NUM_TRAINING', 'DATASET_MISSING_LABEL', 'DATASET_MISSING_CHANNEL', 'DATASET_UNREADABLE', 'DATASET_CHANNEL_GEOMETRY'],
    mentions: ['dataset.json:11:20', 'numTraining is 4', '<dir>/labelsTr/case_a.nii.gz', '<dir>/imagesTr/case_b_0001.nii.gz', '<dir>/labelsTr/case_c.nii.gz', '<dir>/imagesTr/case_c_0001.nii.gz'],
  },
];

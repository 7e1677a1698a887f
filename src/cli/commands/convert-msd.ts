/**
 * `nnunet convert-msd <TaskXX_Name> [--out <dir>] [--overwrite-id N]`: a Medical Segmentation Decathlon task
 * in nnU-Net's raw layout, as nnUNetv2_convert_MSD_dataset does it: 4D images split into one file per channel
 * (`_0000`, `_0001`, ... with the 3D part of the geometry, voxel type kept), 3D images copied as `_0000`, labels
 * copied, dataset.json with labels inverted to name -> int, `modality` renamed `channel_names`, `file_ending`
 * `.nii.gz`, and the `training`/`test` lists dropped. Output: <out>/DatasetXXX_Name.
 */
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { NnunetError } from '../../engine/index.js';
import { itkRead, itkWrite } from '../../imaging/io/itk.js';
import type { VoxelArray } from '../../imaging/volume.js';
import { pyJsonStringify } from '../../util/py-json.js';
import { int } from '../option-parsers.js';

const ENDING = '.nii.gz';
const listNifti = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ENDING) && !f.startsWith('.') && !f.startsWith('_')).sort() : [];

/** One MSD image -> `<case>_XXXX.nii.gz` per channel in `outDir`. */
export async function split4dNifti(file: string, outDir: string): Promise<number> {
  const base = basename(file).slice(0, -ENDING.length);
  const raw = await itkRead(file);
  if (raw.dimension === 3) {
    await copyFile(file, join(outDir, `${base}_0000${ENDING}`));
    return 1;
  }
  if (raw.dimension !== 4) {
    throw new NnunetError('MSD_BAD_IMAGE', `${file}: expected a 3D or 4D image, got ${raw.dimension}D`, { file });
  }
  if (raw.data instanceof BigInt64Array || raw.data instanceof BigUint64Array) {
    throw new NnunetError('MSD_BAD_IMAGE', `${file}: 64-bit integer voxels are not supported`, { file });
  }
  const [x, y, z, t] = raw.size;
  const n = x * y * z;
  const d = raw.direction;
  for (let c = 0; c < t; c++) {
    await itkWrite(join(outDir, `${base}_${String(c).padStart(4, '0')}${ENDING}`), {
      dimension: 3,
      size: [x, y, z],
      spacing: raw.spacing.slice(0, 3),
      origin: raw.origin.slice(0, 3),
      direction: [d[0], d[1], d[2], d[4], d[5], d[6], d[8], d[9], d[10]],
      components: 1,
      data: (raw.data as VoxelArray).slice(c * n, (c + 1) * n),
    });
  }
  return t;
}

export interface ConvertMsdOptions {
  out: string;
  overwriteId?: number;
}

export async function convertMsd(taskDir: string, o: ConvertMsdOptions, log: (line: string) => void): Promise<string> {
  const source = resolve(taskDir);
  const name = basename(source);
  if (!existsSync(source)) throw new NnunetError('MSD_BAD_FOLDER', 'no such folder', { file: source });
  const m = /^Task(\d\d)(_.+)$/.exec(name);
  if (!m) throw new NnunetError('MSD_BAD_FOLDER', `${source}: an MSD task folder is named TaskXX_Name`, { file: source });
  const missing = ['imagesTr', 'labelsTr', 'dataset.json'].filter((f) => !existsSync(join(source, f)));
  if (missing.length) throw new NnunetError('MSD_BAD_FOLDER', `${source}: missing ${missing.join(', ')}`, { file: source });
  const id = o.overwriteId ?? Number(m[1]);
  const target = join(resolve(o.out), `Dataset${String(id).padStart(3, '0')}${m[2]}`);
  if (existsSync(join(target, 'dataset.json'))) {
    throw new NnunetError('MSD_TARGET_EXISTS', `${target} already exists (choose another --overwrite-id or --out)`, { file: target });
  }
  for (const sub of ['imagesTr', 'imagesTs', 'labelsTr']) await mkdir(join(target, sub), { recursive: true });
  for (const sub of ['imagesTr', 'imagesTs']) {
    const files = listNifti(join(source, sub));
    for (const f of files) await split4dNifti(join(source, sub, f), join(target, sub));
    log(`${sub}: ${files.length} image(s)`);
  }
  const labels = listNifti(join(source, 'labelsTr'));
  for (const f of labels) await copyFile(join(source, 'labelsTr', f), join(target, 'labelsTr', f));
  log(`labelsTr: ${labels.length} label(s)`);

  const ds = JSON.parse(await readFile(join(source, 'dataset.json'), 'utf8')) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ds)) {
    if (k === 'training' || k === 'test') continue;
    if (k === 'labels') out.labels = Object.fromEntries(Object.entries(v as Record<string, string>).map(([value, label]) => [label, Number.parseInt(value, 10)]));
    else if (k === 'modality') continue;
    else out[k] = v;
  }
  out.file_ending = ENDING;
  out.channel_names = ds.modality;
  await writeFile(join(target, 'dataset.json'), pyJsonStringify(out, { isFloat: () => false }));
  log(`nnU-Net raw dataset in ${target}`);
  return target;
}

export function register(program: Command): void {
  program
    .command('convert-msd')
    .description('convert a Medical Segmentation Decathlon task (TaskXX_Name) to nnU-Net raw layout (nnUNetv2_convert_MSD_dataset)')
    .argument('<task>', 'MSD task folder, e.g. Task04_Hippocampus')
    .option('-o, --out <dir>', 'parent folder of the new DatasetXXX_Name folder', '.')
    .option('--overwrite-id <n>', 'dataset id to use instead of the task number', int)
    .action(async (task: string, opts: ConvertMsdOptions) => {
      await convertMsd(task, opts, (l) => process.stdout.write(`${l}\n`));
    });
}

/**
 * spec §11 nnUNetv2_export_model_to_zip: a self-contained model folder that `nnunet predict -m` reads on another
 * machine (layout in nodes/predict/model.ts), and its zip form.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { NodeError } from '../../src/engine/errors.js';
import type { CheckpointManifest } from '../../src/nn/checkpoint.js';
import { readZip, writeZip } from '../../src/nn/predict/zip.js';
import type { Plans } from '../plan/format.js';
import { plansJson } from '../plan/plan-experiment.js';
import { parseSummary } from '../evaluate/summary.js';
import { parsePythonJson } from '../../src/util/py-json.js';
import { inferenceInformationJson } from '../find-best/find-best.js';
import { resolveConfiguration } from '../plan/resolve.js';
import type { FoldId } from '../predict/model.js';

export interface ExportSources {
  /** train-fold output folders (each holds <checkpoint>/manifest.json) */
  folds: string[];
  checkpoint: string;
  /** find-best output (inference_information.json, inference_instructions.txt), if any */
  findBest?: string;
  /** postprocess output (postprocessing.json), if any */
  postprocess?: string;
}

export interface ExportedModel {
  configurations: Record<string, FoldId[]>;
}

export async function exportModel(src: ExportSources, outDir: string): Promise<ExportedModel> {
  if (src.folds.length === 0) throw new NodeError('EXPORT_NO_FOLDS', 'nothing to export: no trained fold given');
  const configurations: Record<string, FoldId[]> = {};
  let first: CheckpointManifest | null = null;
  for (const dir of src.folds) {
    const ckpt = join(dir, src.checkpoint);
    const manifestFile = join(ckpt, 'manifest.json');
    if (!existsSync(manifestFile)) throw new NodeError('EXPORT_MISSING_CHECKPOINT', `no ${src.checkpoint} in ${dir}`, { file: ckpt });
    const m = JSON.parse(await readFile(manifestFile, 'utf8')) as CheckpointManifest;
    if (first && JSON.stringify(m.plans) !== JSON.stringify(first.plans)) {
      throw new NodeError('EXPORT_PLANS_DIFFER', `${ckpt} was trained with other plans than ${src.folds[0]}`, { file: ckpt });
    }
    first ??= m;
    const fold = m.fold === 'all' ? 'all' : String(m.fold);
    const target = join(outDir, m.configuration, `fold_${fold}`, 'checkpoint_final');
    if (existsSync(target)) throw new NodeError('EXPORT_DUPLICATE_FOLD', `fold ${fold} of ${m.configuration} given twice`, { file: ckpt });
    await cp(ckpt, target, { recursive: true });
    (configurations[m.configuration] ??= []).push(m.fold);
  }
  checkPreviousStages(configurations, first!.plans as Plans);
  await writeFile(join(outDir, 'plans.json'), plansJson(first!.plans as Plans));
  await writeFile(join(outDir, 'dataset.json'), JSON.stringify(first!.datasetJson, null, 4));
  for (const [from, files] of [[src.findBest, ['inference_information.json', 'inference_instructions.txt']], [src.postprocess, ['postprocessing.json']]] as const) {
    if (!from) continue;
    for (const f of files) if (existsSync(join(from, f))) await copyFile(join(from, f), join(outDir, f));
  }
  await addPostprocessedScore(join(outDir, 'inference_information.json'), src.postprocess);
  for (const c of Object.values(configurations)) c.sort((a, b) => (a === 'all' ? 1 : b === 'all' ? -1 : a - b));
  return { configurations };
}

/**
 * nnU-Net's find_best_configuration records the winner's Dice after postprocessing too (its postprocessed/summary.json);
 * here postprocessing is another node's, so the score joins the copied inference_information.json at export.
 */
async function addPostprocessedScore(infoFile: string, postprocess: string | undefined): Promise<void> {
  const summaryFile = postprocess && join(postprocess, 'postprocessed', 'summary.json');
  if (!summaryFile || !existsSync(infoFile) || !existsSync(summaryFile)) return;
  const info = parsePythonJson(await readFile(infoFile, 'utf8')) as { best_model_or_ensemble?: Record<string, unknown> };
  if (!info.best_model_or_ensemble) return;
  info.best_model_or_ensemble.result_on_crossval_post_pp = parseSummary(await readFile(summaryFile, 'utf8')).foreground_mean.Dice;
  await writeFile(infoFile, inferenceInformationJson(info));
}

/**
 * A cascade stage predicts from its previous stage's segmentation (spec §7): `nnunet predict -m` runs that stage
 * first from the same folder, so the folder must hold it with at least the cascade's folds.
 */
function checkPreviousStages(configurations: Record<string, FoldId[]>, plans: Plans): void {
  for (const [configuration, folds] of Object.entries(configurations)) {
    const previous = resolveConfiguration(plans, configuration).previous_stage;
    if (!previous) continue;
    const missing = folds.filter((f) => !(configurations[previous] ?? []).includes(f));
    if (missing.length > 0) {
      throw new NodeError('EXPORT_MISSING_PREVIOUS_STAGE',
        `${configuration} is a cascade stage: its ${previous} fold(s) ${missing.join(', ')} must be exported with it (add that stage's train-fold actions to the train need)`);
    }
  }
}

function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listFiles(root, p) : [relative(root, p)];
  });
}

export async function zipFolder(dir: string, file: string): Promise<void> {
  const members = await Promise.all(listFiles(dir).map(async (name) => ({ name, data: await readFile(join(dir, name)) })));
  await writeZip(file, members);
}

/** Model archives hold checkpoints and JSON, which deflate far less than this; a zip bomb deflates 1000:1. */
const MODEL_ARCHIVE_MAX_RATIO = 200;
/** What predicting and exporting never read from an archive: cross-validation predictions and images. */
const unneeded = (name: string): boolean => /(^|\/)validation\//.test(name) || /\.(nii\.gz|nii|npz|npy|nrrd|mha|tif|tiff)$/i.test(name);

export async function unzipTo(file: string, dir: string): Promise<void> {
  for (const [name, data] of await readZip(file, { maxRatio: MODEL_ARCHIVE_MAX_RATIO, skip: unneeded })) {
    if (name.endsWith('/')) continue;
    const target = join(dir, name);
    if (relative(dir, target).startsWith('..') || isAbsolute(name)) {
      throw new NodeError('EXPORT_BAD_ARCHIVE', `${file}: member ${name} points outside the folder`, { file });
    }
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
    } catch (cause) {
      // a member inside a path another member made a file (lnk, then lnk/x): name the archive, not our temp folder
      const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
      throw new NodeError('EXPORT_BAD_ARCHIVE', `${file}: cannot unpack member ${name} (${code}: another member is in its way)`, { file }, { cause });
    }
  }
}

/**
 * Runs `use` on a model given as a folder or as a zip archive (ours, or nnUNetv2_export_model_to_zip's, which keeps
 * nnUNet_results' <DatasetXXX>/<Trainer>__<Plans>__<configuration>/ layout). An archive is unpacked into a temp
 * folder that is removed afterwards, whether `use` succeeds or not.
 */
export async function withModelFolder<T>(model: string, use: (dir: string) => Promise<T>): Promise<T> {
  if (!model.endsWith('.zip')) return use(model);
  const unpacked = await mkdtemp(join(tmpdir(), 'nnunet-model-'));
  try {
    await unzipTo(model, unpacked);
    const top = readdirSync(unpacked);
    const single = !existsSync(join(unpacked, 'plans.json')) && top.length === 1 && statSync(join(unpacked, top[0])).isDirectory();
    return await use(single ? join(unpacked, top[0]) : unpacked);
  } finally {
    await rm(unpacked, { recursive: true, force: true });
  }
}

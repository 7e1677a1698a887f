/**
 * `nnunet preprocess <dataset> --out <dir> [-c 2d 3d_fullres ...]`: nnU-Net's plan_and_preprocess through the
 * engine (dataset -> case fingerprints -> fingerprint -> plan -> preprocess per configuration x case), then the
 * committed artifacts are laid out as nnU-Net does: <out>/nnUNetPlans.json, <out>/<data_identifier>/<case>.*
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { copyOut } from '../../util/copy-out.js';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { kinds } from '../../../nodes/index.js';
import { readCaseListing } from '../../../nodes/dataset/listing.js';
import type { Plans } from '../../../nodes/plan/format.js';
import { PLANS_FILE } from '../../../nodes/plan/index.js';
import { FINGERPRINT_FILE } from '../../../nodes/fingerprint/index.js';
import { resolveConfiguration } from '../../../nodes/plan/resolve.js';
import { artifactDir, defaultStoreDir, NnunetError, runPipeline, type RunRecord } from '../../engine/index.js';
import { asFlagErrors, copyRawSplits, planPipeline, type PlanCommandOptions } from './plan.js';
import { globalDirs, summarize, withTerminal } from './run.js';
import { noEffect, num, positiveInt } from '../option-parsers.js';
import { datasetArgument, preprocessedFolderFor } from '../nnunet-folders.js';

export interface PreprocessCommandOptions extends Omit<PlanCommandOptions, 'fingerprint' | 'datasetJson'> {
  configurations?: string[];
  jobs?: number;
  /** preprocess with this existing nnUNetPlans.json (e.g. nnU-Net's own) instead of planning */
  plans?: string;
}

/** nnU-Net's default `-c`: every configuration with its own data (the cascade reuses 3d_fullres data). */
const DEFAULT_CONFIGURATIONS = ['2d', '3d_fullres', '3d_lowres'];

/**
 * The planning pipeline of `nnunet plan` (or, with `o.plans`, just the dataset listing), extended by
 * per-configuration settings and per-case preprocessing.
 */
export function preprocessPipeline(dataset: string, configurations: string[], o: PreprocessCommandOptions): string {
  const doc = o.plans
    ? { version: 1, name: '', params: { dataset } as Record<string, unknown>, nodes: { dataset: { uses: 'dataset', with: { path: '${params.dataset}' } } } as Record<string, unknown> }
    : (parse(planPipeline(dataset, o)) as { name: string; params: Record<string, unknown>; nodes: Record<string, unknown> });
  doc.name = 'preprocess';
  doc.params.configurations = configurations;
  // keys each configuration's preprocessing on its own settings, not on the whole plans
  doc.nodes.preprocess_settings = {
    uses: 'preprocess-settings',
    ...(o.plans ? {} : { needs: ['plan'] }),
    matrix: { configuration: '${params.configurations}' },
    with: { configuration: '${matrix.configuration}', ...(o.plans ? { plans: resolve(o.plans), dataset_json: join(dataset, 'dataset.json') } : {}) },
  };
  doc.nodes.preprocess = {
    uses: 'preprocess',
    needs: { dataset: 'dataset', plan: 'preprocess_settings' },
    foreach: 'dataset',
    matrix: { configuration: '${params.configurations}' },
    with: { configuration: '${matrix.configuration}' },
  };
  return stringify(doc);
}

function failed(record: RunRecord, runsDir: string): NnunetError {
  return new NnunetError(record.status === 'aborted' ? 'RUN_ABORTED' : 'RUN_FAILED', summarize(record, runsDir));
}

/** Copies one preprocess artifact (flat: <case>.npy, <case>_seg.npy, <case>.json). */
async function copyFlat(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const files = await readdir(from);
  await Promise.all(files.map((f) => copyOut(join(from, f), join(to, f))));
}

/** nnU-Net copies the raw training labels to gt_segmentations/ (validation metrics read them there). */
async function copyGroundTruth(record: RunRecord, storeDir: string | undefined, to: string): Promise<void> {
  const ds = record.nodes.find((n) => n.node === 'dataset' && n.outputs);
  if (!ds) return;
  const listing = await readCaseListing(await artifactDir(defaultStoreDir(storeDir), ds.outputs!.digest));
  await mkdir(to, { recursive: true });
  await Promise.all(listing.training.map((c) => copyOut(c.label, join(to, `${c.id}${listing.file_ending}`))));
}

/** Runs planning alone (so the default configurations can follow the plans); returns the plans and their files. */
async function planFirst(dataset: string, o: PreprocessCommandOptions, common: object, runsDir: string): Promise<{ plans: Plans; files: Record<string, string> }> {
  if (o.plans) {
    const plans = JSON.parse(await readFile(o.plans, 'utf8')) as Plans;
    return { plans, files: { [`${plans.plans_name}.json`]: o.plans, 'dataset.json': join(dataset, 'dataset.json') } };
  }
  const planned = await asFlagErrors(() => runPipeline({ ...common, kinds, pipelineText: preprocessPipeline(dataset, DEFAULT_CONFIGURATIONS, o), targets: ['plan'] }));
  if (planned.status !== 'succeeded') throw failed(planned, runsDir);
  const dir = async (node: string): Promise<string> => artifactDir(defaultStoreDir(o.storeDir), planned.nodes.find((n) => n.node === node)!.outputs!.digest);
  const planDir = await dir('plan');
  const plans = JSON.parse(await readFile(join(planDir, PLANS_FILE), 'utf8')) as Plans;
  // nnU-Net's nnUNet_preprocessed/DatasetXXX layout: <plans_name>.json, dataset.json, dataset_fingerprint.json
  return {
    plans,
    files: {
      [`${plans.plans_name}.json`]: join(planDir, PLANS_FILE),
      'dataset.json': join(planDir, 'dataset.json'),
      [FINGERPRINT_FILE]: join(await dir('fingerprint'), FINGERPRINT_FILE),
    },
  };
}

/** Plans (or reuses the plan of, or takes the given plans for) the dataset, preprocesses it, writes nnU-Net's layout. */
export async function preprocessCommand(datasetDir: string, o: PreprocessCommandOptions, log: (line: string) => void): Promise<RunRecord> {
  const dataset = datasetArgument(datasetDir, ['nnUNet_raw'], 'dataset');
  const out = o.out ? resolve(o.out) : preprocessedFolderFor(dataset);
  const runsDir = o.runsDir ?? 'runs';
  const common = { storeDir: o.storeDir, runsDir: o.runsDir, concurrency: o.jobs, signal: o.signal, onEvent: o.onEvent, name: 'preprocess' };
  const { plans, files } = await planFirst(dataset, o, common, runsDir);
  // as nnU-Net's preprocess_dataset: a configuration the plans do not have (3d_lowres of a small dataset) is skipped
  const asked = o.configurations ?? DEFAULT_CONFIGURATIONS;
  for (const c of asked.filter((x) => !(x in plans.configurations))) log(`configuration ${c} is not in the plans (${Object.keys(plans.configurations).join(', ')}): skipped`);
  const configurations = asked.filter((c) => c in plans.configurations);
  if (configurations.length === 0) throw new NnunetError('CLI_USAGE', `-c ${asked.join(' ')}: none of these is in the plans (${Object.keys(plans.configurations).join(', ')})`);
  configurations.forEach((c) => resolveConfiguration(plans, c)); // a broken configuration fails here, before any work

  const record = await asFlagErrors(() => runPipeline({ ...common, kinds, pipelineText: preprocessPipeline(dataset, configurations, o) }));
  if (record.status !== 'succeeded') throw failed(record, runsDir);
  await mkdir(out, { recursive: true });
  for (const [name, from] of Object.entries(files)) await copyOut(from, join(out, name));
  await copyRawSplits(dataset, out);
  await copyGroundTruth(record, o.storeDir, join(out, 'gt_segmentations'));
  const cases = new Map<string, number>();
  for (const n of record.nodes.filter((x) => x.node === 'preprocess' && x.outputs)) {
    const id = resolveConfiguration(plans, String(n.matrix.configuration)).data_identifier;
    await copyFlat(await artifactDir(defaultStoreDir(o.storeDir), n.outputs!.digest), join(out, id));
    cases.set(`${n.matrix.configuration} -> ${id}`, (cases.get(`${n.matrix.configuration} -> ${id}`) ?? 0) + 1);
  }
  for (const c of configurations) {
    const { data_identifier: id, previous_stage: previous } = resolveConfiguration(plans, c);
    // the cascade has no data of its own: say so next to the data it uses
    if (previous) await writeFile(join(out, id, `${c}.shares_data.json`), JSON.stringify({ configuration: c, data_identifier: id, previous_stage: previous }));
  }
  for (const [what, n] of cases) log(`${what}: ${n} cases`);
  log(`${summarize(record, runsDir)}\nplans and preprocessed data in ${out}`);
  return record;
}

export function register(program: Command): void {
  program
    .command('preprocess')
    .description('plan and preprocess a raw nnU-Net dataset (nnUNetv2_plan_and_preprocess) through the pipeline engine')
    .argument('<dataset>', 'raw dataset folder (dataset.json, imagesTr/, labelsTr/)')
    .option('-o, --out <dir>', 'output folder: nnUNetPlans.json and one folder per data_identifier (default: $nnUNet_preprocessed/<dataset>)')
    .option('-c, --configurations <names...>', 'configurations to preprocess (default: those of 2d 3d_fullres 3d_lowres that were planned)')
    .option('--gpu-memory <gb>', 'GPU memory target in GB (default: 8; ResEnc L 24, XL 40)', num)
    .option('--planner <name>', 'default | resenc-m | resenc-l | resenc-xl', 'default')
    .option('--plans-name <name>', 'plans identifier (default: nnUNetPlans, or the ResEnc preset name)')
    .option('--plans <file>', "preprocess with an existing nnUNetPlans.json (e.g. nnU-Net's own) instead of planning")
    .option('-j, --jobs <n>', 'actions running at once (default: CPU count)', positiveInt)
    .option('-q, --quiet', 'no live progress')
    .addOption(noEffect('--verify-dataset-integrity'))
    .addOption(noEffect('--processes <n>', positiveInt))
    .action(async (dataset: string, opts: Omit<PreprocessCommandOptions, 'storeDir' | 'runsDir'> & { quiet?: boolean }, cmd: Command) => {
      await withTerminal(opts.quiet, ({ signal, onEvent }) =>
        preprocessCommand(dataset, { ...opts, ...globalDirs(cmd), signal, onEvent }, (l) => process.stdout.write(`${l}\n`)));
    });
}

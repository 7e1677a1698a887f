/**
 * `nnunet plan <dataset> --out <dir>`: nnU-Net's extract_fingerprint + plan_experiment through the engine
 * (dataset -> case fingerprints -> fingerprint -> plan, cached like any run), or
 * `nnunet plan --fingerprint <dataset_fingerprint.json> --dataset-json <dataset.json> --out <dir>`: plan from an
 * existing nnU-Net fingerprint without images. Writes dataset_fingerprint.json (when computed), <plans_name>.json
 * and dataset.json into <dir>, as nnU-Net lays out nnUNet_preprocessed/DatasetXXX; custom configurations of an
 * existing plans file there are kept, as nnU-Net's save_plans does.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { copyOut } from '../../util/copy-out.js';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { kinds } from '../../../nodes/index.js';
import type { Plans } from '../../../nodes/plan/format.js';
import { plansJson } from '../../../nodes/plan/plan-experiment.js';
import { artifactDir, defaultStoreDir, NnunetError, PipelineError, runPipeline, type EngineObserver, type RunRecord } from '../../engine/index.js';
import { globalDirs, summarize, withTerminal } from './run.js';
import { listOf, noEffect, num, positiveInt } from '../option-parsers.js';
import { datasetArgument, preprocessedFolderFor } from '../nnunet-folders.js';

export interface PlanCommandOptions {
  /** default: $nnUNet_preprocessed/<dataset folder name> */
  out?: string;
  fingerprint?: string;
  datasetJson?: string;
  datasetName?: string;
  gpuMemory?: number;
  planner: string;
  overwriteTargetSpacing?: number[];
  plansName?: string;
  storeDir?: string;
  runsDir?: string;
  signal?: AbortSignal;
  onEvent?: EngineObserver;
}

function planParams(o: PlanCommandOptions): Record<string, unknown> {
  const p: Record<string, unknown> = { planner: o.planner };
  if (o.gpuMemory !== undefined) p.gpu_memory_gb = o.gpuMemory;
  if (o.overwriteTargetSpacing) p.overwrite_target_spacing = o.overwriteTargetSpacing;
  if (o.plansName) p.plans_name = o.plansName;
  if (o.datasetName) p.dataset_name = o.datasetName;
  return p;
}

/** The flag each plan param came from: a bad value is the user's flag, not a path in a pipeline they never wrote. */
const FLAGS: Readonly<Record<string, string>> = {
  gpu_memory_gb: '--gpu-memory', planner: '--planner', overwrite_target_spacing: '--overwrite-target-spacing', plans_name: '--plans-name',
  dataset_name: '--dataset-name', fingerprint: '--fingerprint', dataset_json: '--dataset-json',
};

/** Runs the in-memory plan pipeline; a bad plan param comes back as a usage error naming its flag. */
export async function asFlagErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const issues = err instanceof PipelineError ? err.issues : [];
    const flagged = issues.map((i) => {
      const param = /^\/nodes\/plan\/with\/([a-z_]+)/.exec(i.path ?? '')?.[1];
      return param && FLAGS[param] ? `${FLAGS[param]}: ${i.message.replace(/^plan: /, '')}` : undefined;
    });
    if (flagged.length === 0 || flagged.some((f) => f === undefined)) throw err;
    throw new NnunetError('CLI_USAGE', flagged.join('; '), {}, { cause: err });
  }
}

/**
 * A raw dataset's own splits_final.json goes beside the plans, as nnU-Net's planner copies it into nnUNet_preprocessed:
 * training from that folder then uses the user's folds, not the default 5-fold split.
 */
export async function copyRawSplits(dataset: string, out: string): Promise<void> {
  const raw = join(dataset, 'splits_final.json');
  if (existsSync(raw)) await copyOut(raw, join(out, 'splits_final.json'));
}

/** The in-memory pipeline: from a raw dataset folder, or from fingerprint + dataset.json files. */
export function planPipeline(dataset: string | undefined, o: PlanCommandOptions): string {
  if (!dataset) {
    const files = { fingerprint: resolve(o.fingerprint!), dataset_json: resolve(o.datasetJson!) };
    return stringify({ version: 1, name: 'plan', nodes: { plan: { uses: 'plan', with: { ...planParams(o), ...files } } } });
  }
  return stringify({
    version: 1,
    name: 'plan',
    params: { dataset },
    nodes: {
      dataset: { uses: 'dataset', with: { path: '${params.dataset}' } },
      case_fingerprint: { uses: 'case-fingerprint', needs: ['dataset'], foreach: 'dataset' },
      fingerprint: { uses: 'fingerprint', needs: { cases: 'case_fingerprint', dataset: 'dataset' } },
      plan: { uses: 'plan', needs: ['fingerprint'], with: planParams(o) },
    },
  });
}

/** nnU-Net's save_plans: configurations of an existing plans file that the planner does not make are kept. */
function keepCustomConfigurations(plans: Plans, old: Plans): string[] {
  const extra = Object.keys(old.configurations ?? {}).filter((c) => !(c in plans.configurations));
  for (const c of extra) plans.configurations[c] = old.configurations[c];
  return extra;
}

export async function planCommand(datasetDir: string | undefined, o: PlanCommandOptions, log: (line: string) => void): Promise<RunRecord> {
  if (!datasetDir && !(o.fingerprint && o.datasetJson)) {
    throw new NnunetError('CLI_USAGE', 'nnunet plan needs a dataset folder, or both --fingerprint and --dataset-json');
  }
  if (datasetDir && (o.fingerprint || o.datasetJson)) {
    throw new NnunetError('CLI_USAGE', 'give either a dataset folder or --fingerprint/--dataset-json, not both');
  }
  const runsDir = o.runsDir ?? 'runs';
  const dataset = datasetDir && datasetArgument(datasetDir, ['nnUNet_raw'], 'dataset');
  const out = o.out ? resolve(o.out) : preprocessedFolderFor(dataset);
  const record = await asFlagErrors(() => runPipeline({
    kinds, pipelineText: planPipeline(dataset, o), storeDir: o.storeDir, runsDir: o.runsDir,
    signal: o.signal, onEvent: o.onEvent, name: 'plan', quiet: true,
  }));
  if (record.status !== 'succeeded') {
    throw new NnunetError(record.status === 'aborted' ? 'RUN_ABORTED' : 'RUN_FAILED', summarize(record, runsDir));
  }
  const store = defaultStoreDir(o.storeDir);
  const dirOf = async (node: string) => artifactDir(store, record.nodes.find((n) => n.node === node)!.outputs!.digest);
  await mkdir(out, { recursive: true });
  const planDir = await dirOf('plan');
  const plans = JSON.parse(await readFile(join(planDir, 'nnUNetPlans.json'), 'utf8')) as Plans;
  const target = join(out, `${plans.plans_name}.json`);
  const kept = existsSync(target) ? keepCustomConfigurations(plans, JSON.parse(await readFile(target, 'utf8')) as Plans) : [];
  if (kept.length > 0) {
    await writeFile(target, plansJson(plans));
    log(`kept custom configuration(s) of the existing ${basename(target)}: ${kept.join(', ')}`);
  } else {
    await copyOut(join(planDir, 'nnUNetPlans.json'), target);
  }
  await copyOut(join(planDir, 'dataset.json'), join(out, 'dataset.json'));
  if (dataset) await copyRawSplits(dataset, out);
  if (datasetDir) await copyOut(join(await dirOf('fingerprint'), 'dataset_fingerprint.json'), join(out, 'dataset_fingerprint.json'));
  for (const [name, c] of Object.entries(plans.configurations)) {
    if (c.patch_size) log(`${name}: patch ${c.patch_size.join('x')}, batch ${c.batch_size}, spacing ${c.spacing!.map((s) => Number(s.toFixed(4))).join('x')}`);
    else log(`${name}: inherits ${c.inherits_from}${c.previous_stage ? `, previous stage ${c.previous_stage}` : ''}`);
  }
  log(`${summarize(record, runsDir)}\n${plans.plans_name}.json in ${out}`);
  return record;
}

export function register(program: Command): void {
  program
    .command('plan')
    .description("nnU-Net's fingerprint + experiment planning (nnUNetv2_extract_fingerprint + nnUNetv2_plan_experiment)")
    .argument('[dataset]', 'raw dataset folder (dataset.json, imagesTr/, labelsTr/)')
    .option('-o, --out <dir>', 'output folder: dataset_fingerprint.json, <plans_name>.json, dataset.json (default: $nnUNet_preprocessed/<dataset>)')
    .option('--fingerprint <file>', 'plan from an existing dataset_fingerprint.json (no images needed)')
    .option('--dataset-json <file>', 'dataset.json to go with --fingerprint')
    .option('--dataset-name <name>', 'dataset name in the plans (default: the dataset folder name)')
    .option('--gpu-memory <gb>', 'GPU memory target in GB (default: 8; ResEnc L 24, XL 40)', num)
    .option('--planner <name>', 'default | resenc-m | resenc-l | resenc-xl', 'default')
    .option('--overwrite-target-spacing <mm...>', '3d_fullres target spacing, 3 values in reader axis order', listOf(num))
    .option('--plans-name <name>', 'plans identifier (default: nnUNetPlans, or the ResEnc preset name)')
    .option('-q, --quiet', 'no live progress')
    .addOption(noEffect('--verify-dataset-integrity'))
    .addOption(noEffect('--processes <n>', positiveInt))
    .action(async (dataset: string | undefined, opts: PlanCommandOptions & { quiet?: boolean }, cmd: Command) => {
      await withTerminal(opts.quiet, ({ signal, onEvent }) =>
        planCommand(dataset, { ...opts, ...globalDirs(cmd), signal, onEvent }, (l) => process.stdout.write(`${l}\n`)));
    });
}

/**
 * `nnunet preprocess <dataset> --out <dir> [-c 2d 3d_fullres ...]`: nnU-Net's plan_and_preprocess through the
 * engine (dataset -> case fingerprints -> fingerprint -> plan -> preprocess per configuration x case), then the
 * committed artifacts are laid out as nnU-Net does: <out>/nnUNetPlans.json, <out>/<data_identifier>/<case>.*
 */
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { kinds } from '../../../nodes/index.js';
import type { CaseListing } from '../../../nodes/dataset/format.js';
import type { Plans } from '../../../nodes/plan/format.js';
import { PLANS_FILE } from '../../../nodes/plan/index.js';
import { FINGERPRINT_FILE } from '../../../nodes/fingerprint/index.js';
import { resolveConfiguration } from '../../../nodes/plan/resolve.js';
import { artifactDir, defaultStoreDir, NnunetError, runPipeline, type RunRecord } from '../../engine/index.js';
import { createProgress } from '../progress.js';
import { planPipeline, type PlanCommandOptions } from './plan.js';
import { globalDirs, interruptController, summarize } from './run.js';

export interface PreprocessCommandOptions extends Omit<PlanCommandOptions, 'fingerprint' | 'datasetJson'> {
  configurations?: string[];
  jobs?: number;
}

/** nnU-Net's default `-c`: every configuration with its own data (the cascade reuses 3d_fullres data). */
const DEFAULT_CONFIGURATIONS = ['2d', '3d_fullres', '3d_lowres'];

/** The planning pipeline of `nnunet plan`, extended by per-configuration settings and per-case preprocessing. */
export function preprocessPipeline(dataset: string, configurations: string[], o: PreprocessCommandOptions): string {
  const doc = parse(planPipeline(dataset, o)) as { name: string; params: Record<string, unknown>; nodes: Record<string, unknown> };
  doc.name = 'preprocess';
  doc.params.configurations = configurations;
  // keys each configuration's preprocessing on its own settings, not on the whole plans
  doc.nodes.preprocess_settings = {
    uses: 'preprocess-settings',
    needs: ['plan'],
    matrix: { configuration: '${params.configurations}' },
    with: { configuration: '${matrix.configuration}' },
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
  await Promise.all(files.map((f) => copyFile(join(from, f), join(to, f))));
}

/** nnU-Net copies the raw training labels to gt_segmentations/ (validation metrics read them there). */
async function copyGroundTruth(planned: RunRecord, storeDir: string | undefined, to: string): Promise<void> {
  const ds = planned.nodes.find((n) => n.node === 'dataset' && n.outputs);
  if (!ds) return;
  const listing = JSON.parse(await readFile(join(await artifactDir(defaultStoreDir(storeDir), ds.outputs!.digest), 'cases.json'), 'utf8')) as CaseListing;
  await mkdir(to, { recursive: true });
  await Promise.all(listing.training.map((c) => copyFile(c.label, join(to, `${c.id}${listing.file_ending}`))));
}

/** Plans (or reuses the plan of) the dataset, preprocesses it and writes nnU-Net's layout into `o.out`. */
export async function preprocessCommand(datasetDir: string, o: PreprocessCommandOptions, log: (line: string) => void): Promise<RunRecord> {
  const dataset = resolve(datasetDir);
  const runsDir = o.runsDir ?? 'runs';
  const common = { kinds, storeDir: o.storeDir, runsDir: o.runsDir, concurrency: o.jobs, signal: o.signal, onEvent: o.onEvent, name: 'preprocess' };
  // the plan first, so that the default configuration list follows what the planner actually produced
  const planned = await runPipeline({ ...common, pipelineText: preprocessPipeline(dataset, DEFAULT_CONFIGURATIONS, o), targets: ['plan'] });
  if (planned.status !== 'succeeded') throw failed(planned, runsDir);
  const planDir = await artifactDir(defaultStoreDir(o.storeDir), planned.nodes.find((n) => n.node === 'plan')!.outputs!.digest);
  const plans = JSON.parse(await readFile(join(planDir, PLANS_FILE), 'utf8')) as Plans;
  const configurations = o.configurations ?? DEFAULT_CONFIGURATIONS.filter((c) => c in plans.configurations);
  configurations.forEach((c) => resolveConfiguration(plans, c)); // unknown names fail here, before any work

  const record = await runPipeline({ ...common, pipelineText: preprocessPipeline(dataset, configurations, o) });
  if (record.status !== 'succeeded') throw failed(record, runsDir);
  const out = resolve(o.out);
  await mkdir(out, { recursive: true });
  // nnU-Net's nnUNet_preprocessed/DatasetXXX layout: <plans_name>.json next to dataset.json
  await copyFile(join(planDir, PLANS_FILE), join(out, `${plans.plans_name}.json`));
  await copyFile(join(planDir, 'dataset.json'), join(out, 'dataset.json'));
  const fp = planned.nodes.find((n) => n.node === 'fingerprint' && n.outputs);
  if (fp) await copyFile(join(await artifactDir(defaultStoreDir(o.storeDir), fp.outputs!.digest), FINGERPRINT_FILE), join(out, FINGERPRINT_FILE));
  await copyGroundTruth(planned, o.storeDir, join(out, 'gt_segmentations'));
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
    .requiredOption('-o, --out <dir>', 'output folder: nnUNetPlans.json and one folder per data_identifier')
    .option('-c, --configurations <names...>', 'configurations to preprocess (default: those of 2d 3d_fullres 3d_lowres that were planned)')
    .option('--gpu-memory <gb>', 'GPU memory target in GB (default: 8; ResEnc L 24, XL 40)', Number)
    .option('--planner <name>', 'default | resenc-m | resenc-l | resenc-xl', 'default')
    .option('--plans-name <name>', 'plans identifier (default: nnUNetPlans, or the ResEnc preset name)')
    .option('-j, --jobs <n>', 'actions running at once (default: CPU count)', (v) => Number.parseInt(v, 10))
    .option('-q, --quiet', 'no live progress')
    .action(async (dataset: string, opts: Omit<PreprocessCommandOptions, 'storeDir' | 'runsDir'> & { quiet?: boolean }, cmd: Command) => {
      const interrupt = interruptController();
      const progress = createProgress(opts.quiet);
      try {
        await preprocessCommand(dataset, { ...opts, ...globalDirs(cmd), signal: interrupt.signal, onEvent: progress.observer }, (l) => process.stdout.write(`${l}\n`));
      } finally {
        progress.stop();
        interrupt.dispose();
      }
    });
}

/**
 * `nnunet preprocess <dataset> --out <dir> [-c 2d 3d_fullres ...]`: nnU-Net's plan_and_preprocess through the
 * engine (dataset -> case fingerprints -> fingerprint -> plan -> preprocess per configuration x case), then the
 * committed artifacts are laid out as nnU-Net does: <out>/nnUNetPlans.json, <out>/<data_identifier>/<case>.*
 */
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { kinds } from '../../../nodes/index.js';
import type { Plans } from '../../../nodes/plan/format.js';
import { resolveConfiguration } from '../../../nodes/plan/resolve.js';
import { artifactDir, runPipeline, type RunRecord } from '../../engine/index.js';

export interface PreprocessCommandOptions {
  out: string;
  configurations?: string[];
  gpuMemory: number;
  planner: string;
  jobs?: number;
  store?: string;
}

/** nnU-Net's default `-c`: every configuration with its own data (the cascade reuses 3d_fullres data). */
const DEFAULT_CONFIGURATIONS = ['2d', '3d_fullres', '3d_lowres'];

export function preprocessPipeline(dataset: string, configurations: string[], gpuMemoryGb: number, planner: string): string {
  return stringify({
    version: 1,
    name: 'preprocess',
    params: { dataset, configurations },
    nodes: {
      dataset: { uses: 'dataset', with: { path: '${params.dataset}' } },
      case_fingerprint: { uses: 'case-fingerprint', needs: ['dataset'], foreach: 'dataset' },
      fingerprint: { uses: 'fingerprint', needs: { cases: 'case_fingerprint', dataset: 'dataset' } },
      plan: { uses: 'plan', needs: ['fingerprint', 'dataset'], with: { gpu_memory_gb: gpuMemoryGb, planner } },
      preprocess: {
        uses: 'preprocess',
        needs: ['dataset', 'plan'],
        foreach: 'dataset',
        matrix: { configuration: '${params.configurations}' },
        with: { configuration: '${matrix.configuration}' },
      },
    },
  });
}

const failure = (record: RunRecord): string =>
  record.nodes
    .filter((n) => n.status === 'failed')
    .map((n) => `${n.id}: ${n.error?.message ?? 'failed'}${n.error ? ` [${n.error.code}]` : ''}`)
    .join('\n');

/** Copies a preprocess artifact (flat: <case>.npy, <case>_seg.npy, <case>.json); returns the case ids. */
async function copyCases(from: string, to: string): Promise<string[]> {
  await mkdir(to, { recursive: true });
  const files = await readdir(from);
  await Promise.all(files.map((f) => copyFile(join(from, f), join(to, f))));
  return files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
}

export async function preprocessCommand(datasetDir: string, o: PreprocessCommandOptions, log: (line: string) => void): Promise<number> {
  const dataset = resolve(datasetDir);
  const common = { kinds, storeDir: o.store, concurrency: o.jobs, name: 'preprocess' };
  // first the plan alone, so the default configuration list can follow what the planner actually produced
  const planText = preprocessPipeline(dataset, DEFAULT_CONFIGURATIONS, o.gpuMemory, o.planner);
  const planned = await runPipeline({ ...common, pipelineText: planText, targets: ['plan'] });
  if (planned.status !== 'succeeded') {
    log(failure(planned));
    return 1;
  }
  const storeDir = o.store ?? process.env.NNUNET_STORE ?? '.nnunet';
  const planNode = planned.nodes.find((n) => n.node === 'plan' && n.outputs);
  const planDir = await artifactDir(storeDir, planNode!.outputs!.digest);
  const plans = JSON.parse(await readFile(join(planDir, 'nnUNetPlans.json'), 'utf8')) as Plans;
  const configurations = o.configurations ?? DEFAULT_CONFIGURATIONS.filter((c) => c in plans.configurations);
  for (const c of configurations) resolveConfiguration(plans, c);

  const record = await runPipeline({ ...common, pipelineText: preprocessPipeline(dataset, configurations, o.gpuMemory, o.planner) });
  if (record.status !== 'succeeded') {
    log(failure(record));
    return 1;
  }
  const out = resolve(o.out);
  await mkdir(out, { recursive: true });
  for (const f of ['nnUNetPlans.json', 'dataset.json', 'dataset_fingerprint.json'].filter((x) => existsSync(join(planDir, x)))) {
    await copyFile(join(planDir, f), join(out, f));
  }
  const written = new Map<string, Set<string>>();
  for (const n of record.nodes.filter((x) => x.node === 'preprocess' && x.outputs)) {
    const id = resolveConfiguration(plans, String(n.matrix.configuration)).data_identifier;
    const cases = await copyCases(await artifactDir(storeDir, n.outputs!.digest), join(out, id));
    const seen = written.get(id) ?? new Set<string>();
    cases.forEach((c) => seen.add(c));
    written.set(id, seen);
  }
  for (const c of configurations) {
    const { data_identifier: id, previous_stage: prev } = resolveConfiguration(plans, c);
    if (prev) {
      await writeFile(join(out, id, `${c}.shared.json`), JSON.stringify({ configuration: c, data_identifier: id, previous_stage: prev }, null, 1));
    }
  }
  for (const [id, cases] of written) log(`${id}: ${cases.size} cases`);
  log(`plans and preprocessed data in ${out}`);
  return 0;
}

export function register(program: Command): void {
  program
    .command('preprocess')
    .description("plan and preprocess a raw nnU-Net dataset (nnUNetv2_plan_and_preprocess) through the pipeline engine")
    .argument('<dataset>', 'raw dataset folder (dataset.json, imagesTr/, labelsTr/)')
    .requiredOption('-o, --out <dir>', 'output folder: nnUNetPlans.json and one folder per data_identifier')
    .option('-c, --configurations <names...>', 'configurations to preprocess (default: 2d 3d_fullres 3d_lowres, those planned)')
    .option('--gpu-memory <gb>', 'GPU memory target of the planner in GB', Number, 8)
    .option('--planner <name>', 'default | resenc-m | resenc-l | resenc-xl', 'default')
    .option('-j, --jobs <n>', 'concurrent actions', Number)
    .action(async (dataset: string, opts: Omit<PreprocessCommandOptions, 'store'>, cmd: Command) => {
      const { store } = cmd.optsWithGlobals<{ store?: string }>();
      process.exitCode = await preprocessCommand(dataset, { ...opts, store }, (l) => process.stdout.write(`${l}\n`));
    });
}

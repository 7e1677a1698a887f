/**
 * Preprocessing throughput on the real Hippocampus set: every case for every configuration of its plan, through
 * the shared worker pool exactly as the preprocess node runs it (read NIfTI, preprocess, write .npy/.json).
 * Baseline: nnU-Net v2 on this 2-core machine (../shared/bench/baselines.json). Peak RSS covers the workers
 * (threads of this process).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kinds } from '../nodes/index.js';
import { runCase, poolSize } from '../nodes/preprocess/pool.js';
import { runCaseTask, type CaseTask } from '../nodes/preprocess/run-case.js';
import { preprocessCommand, preprocessPipeline } from '../src/cli/commands/preprocess.js';
import { runPipeline } from '../src/engine/index.js';
import { configuration, plans } from '../nodes/preprocess/test-helpers.js';
import { printTable, type Row } from './table.js';

const ROOT = new URL('../../shared/datasets/Dataset004_Hippocampus', import.meta.url).pathname;
const BASELINES = new URL('../../shared/bench/baselines.json', import.meta.url).pathname;



/**
 * `nnunet preprocess` as nnUNetv2_preprocess is timed: plans exist (fingerprint + plan run untimed first), then
 * the command preprocesses every planned configuration through the engine and writes nnU-Net's layout.
 */
async function cliSeconds(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'bench-pp-cli-'));
  const o = { out: join(work, 'out'), planner: 'default', storeDir: join(work, 'store'), runsDir: join(work, 'runs') };
  try {
    const planned = await runPipeline({ kinds, pipelineText: preprocessPipeline(ROOT, ['2d', '3d_fullres'], o), targets: ['plan'], ...o });
    if (planned.status !== 'succeeded') throw new Error(`planning failed: ${planned.status}`);
    const t0 = performance.now();
    await preprocessCommand(ROOT, o, () => {});
    return (performance.now() - t0) / 1000;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  if (!existsSync(ROOT)) {
    console.log(`skipped: ${ROOT} not found`);
    return;
  }
  const base = existsSync(BASELINES)
    ? (JSON.parse(readFileSync(BASELINES, 'utf8')).nnunet_v2_cpu.hippocampus as { preprocess_per_case_ms: Record<string, number>; preprocess_all_configs_cli_s: number })
    : undefined;
  const ds = JSON.parse(readFileSync(join(ROOT, 'dataset.json'), 'utf8')) as { labels: Record<string, number> };
  const cases = readdirSync(join(ROOT, 'labelsTr'))
    .filter((f) => f.endsWith('.nii.gz') && !f.startsWith('.'))
    .map((f) => f.slice(0, -7))
    .sort();
  // Hippocampus plans (spec §3.11): identity transpose, spacing 1 everywhere, z-score without mask
  const p = plans(
    [0, 1, 2],
    { '2d': configuration([1, 1], ['ZScoreNormalization'], [false]), '3d_fullres': configuration([1, 1, 1], ['ZScoreNormalization'], [false]) },
    { 0: {} },
  );
  const out = mkdtempSync(join(tmpdir(), 'bench-pp-'));
  const task = (c: string, config: string): CaseTask => ({
    caseId: c,
    images: [join(ROOT, 'imagesTr', `${c}_0000.nii.gz`)],
    label: join(ROOT, 'labelsTr', `${c}.nii.gz`),
    plans: p,
    configuration: config,
    labels: ds.labels,
    outDir: out,
  });
  const rows: Row[] = [];
  let total = 0;
  try {
    for (const config of ['2d', '3d_fullres']) {
      // CPU time per case on this thread (read + preprocess + write): what other jobs on the cores cannot inflate
      await runCaseTask(task(cases[0], config));
      const cpu0 = process.cpuUsage();
      for (const c of cases) await runCaseTask(task(c, config));
      const cpu = process.cpuUsage(cpu0);
      rows.push({ figure: `${config}: CPU ms per case (read + preprocess + write, 1 thread)`, value: (cpu.user + cpu.system) / 1000 / cases.length, baseline: base?.preprocess_per_case_ms[config] });
      // wall throughput of the shared worker pool, as the preprocess node uses it (first call starts the workers)
      await runCase(task(cases[0], config));
      const t0 = performance.now();
      await Promise.all(cases.map((c) => runCase(task(c, config))));
      const s = (performance.now() - t0) / 1000;
      total += s;
      rows.push({ figure: `${config}: cases per second (wall, pool of ${poolSize()})`, value: cases.length / s, higher: true });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  rows.push({ figure: `pool, 2d + 3d_fullres, ${cases.length} cases each: seconds (wall)`, value: total });
  rows.push({ figure: 'nnunet preprocess, plan cached, 2d + 3d_fullres: seconds (wall)', value: await cliSeconds(), baseline: base?.preprocess_all_configs_cli_s });
  rows.push({ figure: 'peak RSS MiB (process incl. workers)', value: process.resourceUsage().maxRSS / 1024 });
  printTable(rows, { digits: 2 });
}

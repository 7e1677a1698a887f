/**
 * Fingerprint and planning time on the real Hippocampus set (260 cases): per-case analysis (read, crop,
 * foreground values), the aggregate (nnU-Net's 1e8-sample intensity statistics), the planner itself, and the
 * whole `nnunet plan` through the engine (cold store, then a cached rerun). Baseline: nnU-Net v2 on this 2-core
 * machine (../shared/bench/baselines.json: fingerprint_s, plan_s).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeCase, type AnalyzedCase } from '../nodes/case-fingerprint/analyze-case.js';
import { aggregateFingerprint } from '../nodes/fingerprint/aggregate.js';
import { planExperiment } from '../nodes/plan/plan-experiment.js';
import type { DatasetJson } from '../nodes/dataset/format.js';
import { planCommand } from '../src/cli/commands/plan.js';
import { printTable } from './table.js';

const ROOT = new URL('../../shared/datasets/Dataset004_Hippocampus', import.meta.url).pathname;
const BASELINES = new URL('../../shared/bench/baselines.json', import.meta.url).pathname;

const seconds = (t0: number) => (performance.now() - t0) / 1000;

export async function run(): Promise<void> {
  if (!existsSync(ROOT)) {
    console.log(`skipped: ${ROOT} not found`);
    return;
  }
  const base = existsSync(BASELINES)
    ? (JSON.parse(readFileSync(BASELINES, 'utf8')).nnunet_v2_cpu.hippocampus as { fingerprint_s: number; plan_s: number })
    : undefined;
  const ds = JSON.parse(readFileSync(join(ROOT, 'dataset.json'), 'utf8')) as DatasetJson;
  const ids = readdirSync(join(ROOT, 'labelsTr')).filter((f) => f.endsWith('.nii.gz') && !f.startsWith('.')).map((f) => f.slice(0, -7)).sort();

  let t0 = performance.now();
  const cases: AnalyzedCase[] = [];
  for (const id of ids) cases.push(await analyzeCase(id, [join(ROOT, 'imagesTr', `${id}_0000.nii.gz`)], join(ROOT, 'labelsTr', `${id}.nii.gz`)));
  const analyzeS = seconds(t0);
  t0 = performance.now();
  const fp = aggregateFingerprint(cases.map((c) => c.summary), 1, (i, c) => cases[i].foreground[c]);
  const aggregateS = seconds(t0);
  t0 = performance.now();
  const plans = planExperiment(fp, ds, { datasetName: 'Dataset004_Hippocampus' });
  const planS = seconds(t0);

  const work = mkdtempSync(join(tmpdir(), 'bench-plan-'));
  const opts = { out: join(work, 'out'), planner: 'default', storeDir: join(work, 'store'), runsDir: join(work, 'runs') };
  try {
    t0 = performance.now();
    await planCommand(ROOT, opts, () => {});
    const coldS = seconds(t0);
    t0 = performance.now();
    await planCommand(ROOT, opts, () => {});
    const warmS = seconds(t0);
    printTable([
      { figure: `fingerprint: ${ids.length} cases analysed (1 thread)`, value: analyzeS },
      { figure: 'fingerprint: 1e8-sample intensity statistics', value: aggregateS },
      { figure: 'fingerprint total (in process)', value: analyzeS + aggregateS, baseline: base?.fingerprint_s },
      { figure: 'plan (planner only)', value: planS, baseline: base?.plan_s },
      { figure: '`nnunet plan` through the engine, cold store', value: coldS, baseline: base && base.fingerprint_s + base.plan_s },
      { figure: '`nnunet plan` rerun, everything cached', value: warmS },
    ], { unit: 's' });
    console.log(`3d_fullres patch ${JSON.stringify(plans.configurations['3d_fullres']?.patch_size)}, batch ${plans.configurations['3d_fullres']?.batch_size}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

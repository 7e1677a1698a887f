/**
 * Training benchmark: seconds per training iteration end to end (loader batch with augmentation + forward +
 * deep-supervision loss + backward + clip + SGD) through src/nn/train's step, for the Hippocampus 3d_fullres and
 * 2d plans (batch and patch from the plan), against nnU-Net v2 on this machine (16.65 s per 3d_fullres iteration);
 * the loader's batches per second, whether the step waited for data, and peak RSS.
 * Data: synthetic cases of Hippocampus shape (36 x 50 x 35, 1 channel, 3 labels), so no preprocessing is needed.
 * Env: BENCH_ITERS (default 3 measured after 1 warm-up), BENCH_CONFIGS (3d_fullres,2d), NNUNET_BACKEND.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackend, initBackend } from '../src/nn/backend.js';
import '../src/nn/ops/gradients.js';
import { configureAugmentation, createBatchLoader } from '../src/nn/data/index.js';
import { deepSupervisionScales, deepSupervisionWeights } from '../src/nn/loss/index.js';
import { NesterovSgd } from '../src/nn/optim/index.js';
import { trainStep, TRAINING, type StepSetup } from '../src/nn/train/index.js';
import { networkSpec, UNet, type PlansArchitecture } from '../src/nn/unet/index.js';
import type { ConfigurationPlan } from '../nodes/plan/format.js';
import { makeCases } from '../test/train/synthetic.js';

const baselines = JSON.parse(readFileSync(new URL('../../shared/bench/baselines.json', import.meta.url), 'utf8'));
const hippo = baselines.nnunet_v2_cpu.hippocampus;
const plans = JSON.parse(readFileSync(new URL('../test/train/fixtures/hippocampus-plans.json', import.meta.url), 'utf8'));

interface Row { figure: string; value: string; baseline: string; ratio: string }

async function benchConfig(name: string, cases: { id: string; dir: string }[], iters: number): Promise<Row[]> {
  const plan = plans.configurations[name] as ConfigurationPlan;
  const spec = networkSpec(plan.architecture as PlansArchitecture, 1, 3);
  const net = new UNet(spec, 1);
  const opt = new NesterovSgd(net.params.map((p) => p.variable), { momentum: TRAINING.momentum, weightDecay: TRAINING.weightDecay, nesterov: true });
  const setup: StepSetup = {
    loss: { batchDice: plan.batch_dice, ignoreLabel: null, regions: false }, regionSets: null,
    scales: deepSupervisionScales(spec.strides), weights: deepSupervisionWeights(spec.features.length - 1), gradClip: TRAINING.gradClip,
  };
  const aug = configureAugmentation(plan.patch_size, { useMaskForNorm: plan.use_mask_for_norm });
  const loader = createBatchLoader({
    cases, patchSize: plan.patch_size, batchSize: plan.batch_size, oversampleForeground: TRAINING.oversampleForeground, augment: true, config: aug, seed: 1,
  });
  try {
    trainStep(net, opt, await loader.next(), setup, TRAINING.initialLr); // warm-up: first-call costs, worker start
    let waited = 0;
    let stepTime = 0;
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) {
      const w = performance.now();
      const batch = await loader.next();
      waited += performance.now() - w;
      const s = performance.now();
      trainStep(net, opt, batch, setup, TRAINING.initialLr);
      stepTime += performance.now() - s;
    }
    const perIter = (performance.now() - t0) / iters / 1000;
    // augmentation cost alone: one thread building batches in-process (nnU-Net's figure is per process too)
    const single = createBatchLoader({
      cases, patchSize: plan.patch_size, batchSize: plan.batch_size, oversampleForeground: TRAINING.oversampleForeground, augment: true, config: aug, seed: 2, workers: 0,
    });
    await single.next();
    const l0 = performance.now();
    for (let i = 0; i < iters; i++) await single.next();
    const sPerBatch = (performance.now() - l0) / iters / 1000;
    await single.close();
    const is3d = name === '3d_fullres';
    const ratio = (v: number, b: number) => (v / b).toFixed(2);
    return [
      { figure: `${name} s/iteration end to end (b${plan.batch_size}, patch ${plan.patch_size.join('x')})`, value: perIter.toFixed(2),
        baseline: is3d ? String(hippo.train_3d_fullres_s_per_iter_end_to_end) : '-', ratio: is3d ? ratio(perIter, hippo.train_3d_fullres_s_per_iter_end_to_end) : '-' },
      { figure: `${name} s/step (no data wait)`, value: (stepTime / iters / 1000).toFixed(2),
        baseline: is3d ? String(hippo.train_step_3d_fullres_s_1thread) : '-', ratio: is3d ? ratio(stepTime / iters / 1000, hippo.train_step_3d_fullres_s_1thread) : '-' },
      { figure: `${name} step waited for data, s/iteration`, value: (waited / iters / 1000).toFixed(3), baseline: '0', ratio: '-' },
      { figure: `${name} loader s/batch, 1 thread (sampling + augmentation)`, value: sPerBatch.toFixed(3),
        baseline: is3d ? String(hippo.augmentation_s_per_batch_1process) : '-', ratio: is3d ? ratio(sPerBatch, hippo.augmentation_s_per_batch_1process) : '-' },
      { figure: `${name} loader batches/s, 1 thread`, value: (1 / sPerBatch).toFixed(2), baseline: '-', ratio: '-' },
    ];
  } finally {
    await loader.close();
    net.dispose();
  }
}

export async function run(): Promise<void> {
  const backend = await initBackend();
  const iters = Number(process.env.BENCH_ITERS ?? 3);
  const configs = (process.env.BENCH_CONFIGS ?? '3d_fullres,2d').split(',');
  const root = mkdtempSync(join(tmpdir(), 'bench-train-'));
  try {
    const cases = await makeCases(root, 20, [36, 50, 35]);
    console.log(`backend: ${describeBackend(backend)}; ${iters} measured iterations after 1 warm-up`);
    const rows: Row[] = [];
    for (const c of configs) rows.push(...await benchConfig(c, cases, iters));
    rows.push({ figure: 'peak RSS, MiB', value: (process.resourceUsage().maxRSS / 1024).toFixed(0), baseline: '-', ratio: '-' });
    console.log('| figure | ours | nnU-Net v2 (CPU) | ratio |\n|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} |`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

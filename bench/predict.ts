/**
 * Inference speed: seconds per Hippocampus case for a 3d_fullres network (nnU-Net's Hippocampus plan: patch
 * 40x56x40, 4 stages 32-256 features, 5.6 M parameters), with and without test-time mirroring, one fold, through the
 * whole `nnunet predict` case path (read NIfTI, preprocess, sliding window, export, write). Random weights: speed
 * does not depend on them. Baseline: nnU-Net v2 on 1 thread of this machine (../shared/bench/baselines.json).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../src/nn/backend.js';
import { networkSpec, UNet, type PlansArchitecture } from '../src/nn/unet/index.js';
import { labelHandling } from '../src/nn/predict/labels.js';
import type { Model } from '../nodes/predict/model.js';
import { predictFolder } from '../nodes/predict/predict-folder.js';
import { findCases } from '../nodes/predict/cases.js';
import type { ConfigurationPlan, Plans } from '../nodes/plan/format.js';
import { tinyConfig, tinyDataset, tinyPlans, writeTinyModel } from '../test/predict/tiny-model.js';

const ROOT = new URL('../../shared/datasets/Dataset004_Hippocampus', import.meta.url).pathname;
const BASELINES = new URL('../../shared/bench/baselines.json', import.meta.url).pathname;
const CASES = Number(process.env.BENCH_PREDICT_CASES ?? 4);

const hippoConfig: ConfigurationPlan = {
  ...tinyConfig,
  patch_size: [40, 56, 40],
  architecture: {
    ...tinyConfig.architecture,
    arch_kwargs: {
      ...tinyConfig.architecture.arch_kwargs,
      n_stages: 4, features_per_stage: [32, 64, 128, 256],
      kernel_sizes: [[3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]], strides: [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2]],
      n_conv_per_stage: [2, 2, 2, 2], n_conv_per_stage_decoder: [2, 2, 2],
    },
  },
};

function hippocampusModel(dir: string, net: UNet): Model {
  const plans: Plans = { ...tinyPlans, dataset_name: 'Dataset004_Hippocampus', configurations: { '3d_fullres': hippoConfig } };
  return {
    dir, plans, datasetJson: tinyDataset, configuration: '3d_fullres', config: hippoConfig, folds: [0],
    networks: [{ predictor: (x) => net.apply(x, { deepSupervision: false }), mirrorAxes: [0, 1, 2], dispose: () => net.dispose() }],
    handling: labelHandling(tinyDataset.labels), numClasses: 3,
  };
}

export async function run(): Promise<void> {
  if (!existsSync(ROOT)) {
    console.log(`skipped: ${ROOT} not found`);
    return;
  }
  const base = existsSync(BASELINES)
    ? (JSON.parse(readFileSync(BASELINES, 'utf8')).nnunet_v2_cpu.hippocampus as Record<string, number>)
    : {};
  const backend = await initBackend();
  const images = readdirSync(join(ROOT, 'imagesTr')).filter((f) => f.endsWith('_0000.nii.gz') && !f.startsWith('.')).sort().slice(0, CASES);
  const cases = findCases(images.map((f) => join(ROOT, 'imagesTr', f)), '.nii.gz', 1);
  const dir = mkdtempSync(join(tmpdir(), 'bench-predict-'));
  try {
    await writeTinyModel(dir, []); // plans.json + dataset.json the output folder copies
    const net = new UNet(networkSpec(hippoConfig.architecture as unknown as PlansArchitecture, 1, 3), 1);
    const model = hippocampusModel(dir, net);
    await predictFolder(cases.slice(0, 1), model, join(dir, 'warm'), { tta: false });
    const rows: Array<[string, number, number | undefined]> = [];
    for (const tta of [true, false]) {
      const t0 = performance.now();
      const r = await predictFolder(cases, model, join(dir, tta ? 'tta' : 'notta'), { tta });
      if (r.failed.length) throw new Error(r.failed.map((f) => f.message).join('; '));
      const s = (performance.now() - t0) / 1000 / cases.length;
      rows.push([`s/case ${tta ? 'with' : 'without'} mirroring`, s, base[tta ? 'predict_s_per_case_tta_1thread' : 'predict_s_per_case_no_tta_1thread']]);
    }
    // the share of the network itself: one forward pass of one patch (median of 3)
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const x = tf.zeros([1, 40, 56, 40, 1]);
      const t0 = performance.now();
      const y = net.apply(x);
      y.dataSync();
      times.push((performance.now() - t0) / 1000);
      tf.dispose([x, y]);
    }
    rows.push(['network forward, 1 patch (s)', times.sort((a, b) => a - b)[1], base.forward_batch1_s_1thread]);
    model.networks[0].dispose();
    console.log(`backend: ${describeBackend(backend)}; ${cases.length} Hippocampus case(s), 1 fold, random weights`);
    console.log(`load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores (other jobs inflate every figure)`);
    console.log('| figure | ours | nnU-Net v2 (1 thread) | ratio (>1 = we are faster) |');
    console.log('|---|---|---|---|');
    for (const [figure, v, b] of rows) console.log(`| ${figure} | ${v.toFixed(2)} | ${b?.toFixed(2) ?? ''} | ${b ? (b / v).toFixed(2) : ''} |`);
    console.log(`| peak RSS (MiB) | ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} | | |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * GPU benchmark (`npm run bench -- gpu`): a training step (forward, CE + batch soft Dice, backward, SGD-Nesterov)
 * and an inference (a batch of tiles forward + softmax, what sliding-window inference runs per tile batch) of the
 * plain nnU-Net U-Net on the webgpu backend, against PyTorch CUDA running the identical network
 * (bench/torch_unet.py) in fp32 and under autocast fp16 with cudnn.benchmark, as nnU-Net trains.
 * Plans: Hippocampus 3d_fullres (b9, 40x56x40, 4 stages 32-256) and a BraTS-sized plan (b2, 4 channels, 128^3,
 * 6 stages 32-320). Also the Hippocampus iteration with data loading (the training loop's step, deep supervision
 * included, with the next batch from the augmenting worker threads uploaded during the step), from which a fold
 * of 1000 x 250 iterations is estimated.
 * Last line: `gpu ratio vs pytorch-cuda: train=<x> infer=<y>` (ours / PyTorch AMP, BraTS-sized plan).
 * Env: BENCH_GPU_CONFIGS (hippocampus,brats), BENCH_GPU_STEPS (default 5 after 2 warm-up), BENCH_GPU_TINY=1
 * (small patches and batches: a quick SwiftShader check of the whole path), BENCH_GPU_LOADER (1: measure the
 * iteration with data loading, default), BENCH_GPU_TORCH (0: skip the PyTorch run), PYTHON; NNUNET_CONV_ALGO
 * (auto tunes the convs on a real GPU in the warm-up steps; gemm: our GEMM only), NNUNET_AMP (auto: f16 convs on a GPU
 * with shader-f16, as PyTorch's AMP run; the loader-fed iteration then includes the loss scaler).
 * `--conv` runs the conv microbenchmark (bench/gpu-conv.ts) instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '../src/nn/ops/gradients.js';
import { describeBackend, initBackend } from '../src/nn/backend.js';
import { configureAugmentation, createBatchLoader } from '../src/nn/data/index.js';
import { deepSupervisionScales, deepSupervisionWeights, segmentationLoss } from '../src/nn/loss/index.js';
import { netOps } from '../src/nn/ops/index.js';
import { GradScaler } from '../src/nn/optim/index.js';
import { TRAINING } from '../src/nn/train/config.js';
import { toTensors, trainStepOn, type BatchTensors, type StepSetup } from '../src/nn/train/step.js';
import { UNet } from '../src/nn/unet/index.js';
import { describeTuning, tunePendingConvs } from '../src/nn/webgpu/conv-tuner.js';
import { needsLossScaling } from '../src/nn/webgpu/precision.js';
import { DeviceNesterovSgd } from '../src/nn/webgpu/sgd.js';
import { makeCases } from '../test/train/synthetic.js';
import type { BenchConfig } from './compute.js';
import { runConvBench } from './gpu-conv.js';
import { plans, type Plan } from './gpu-plans.js';
import { msPerCall } from '../src/nn/webgpu/timing.js';

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function network(p: Plan): UNet {
  return new UNet({ kind: 'plain', dim: p.dim, inputChannels: p.inputChannels, numClasses: p.classes,
    features: p.features, kernels: p.kernels, strides: p.strides, encoderDepth: p.encoderDepth,
    decoderConvs: p.decoderConvs, convBias: true, normEps: 1e-5, slope: 0.01 }, 0);
}

const LOSS = { batchDice: true, ignoreLabel: null, regions: false };

/** One training step on the GPU; the loss is the only value read back. */
async function trainOnce(net: UNet, vars: tf.Variable[], opt: DeviceNesterovSgd, x: tf.Tensor, target: tf.Tensor): Promise<number> {
  const { value, grads } = tf.variableGrads(() => segmentationLoss(net.apply(x), target, LOSS), vars);
  opt.step(vars.map((v) => grads[v.name] ?? null), 0.01);
  const loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

interface Ours { train: number[]; infer: number[]; tensorsGrowth: number; bytesGrowth: number }

/** With NNUNET_CONV_ALGO=tune (auto on a real GPU) the warm-up steps meet the shapes and this times them. */
async function logTuning(p: Plan): Promise<void> {
  const timed = await tunePendingConvs();
  if (timed.length > 0) console.log(`${p.name}: ${describeTuning(timed)}`);
}

async function measureOurs(p: Plan, steps: number, warmup: number): Promise<Ours> {
  const net = network(p);
  // without deep supervision the upper decoder heads get no gradient (null): the optimizer skips them, as torch
  const vars = net.params.map((q) => q.variable);
  const opt = new DeviceNesterovSgd(vars, { momentum: 0.99, weightDecay: 3e-5, nesterov: true });
  const x = tf.randomNormal([p.batch, ...p.patch, p.inputChannels], 0, 1, 'float32', 1);
  const target = tf.floor(tf.randomUniform([p.batch, ...p.patch, 1], 0, p.classes, 'float32', 2));
  const train: number[] = [];
  const infer: number[] = [];
  let mem0 = tf.memory();
  try {
    for (let s = 0; s < warmup + steps; s++) {
      if (s === warmup) mem0 = tf.memory();
      const t0 = performance.now();
      await trainOnce(net, vars, opt, x, target);
      if (s >= warmup) train.push(performance.now() - t0);
      await logTuning(p);
    }
    const mem1 = tf.memory();
    for (let s = 0; s < warmup + steps; s++) {
      const t0 = performance.now();
      const done = tf.tidy(() => tf.sum(netOps().softmax(net.apply(x))));
      await done.data();
      done.dispose();
      if (s >= warmup) infer.push(performance.now() - t0);
      await logTuning(p);
    }
    return { train, infer, tensorsGrowth: mem1.numTensors - mem0.numTensors, bytesGrowth: mem1.numBytes - mem0.numBytes };
  } finally {
    tf.dispose([x, target]);
    opt.dispose();
    net.dispose();
  }
}

/**
 * The Hippocampus iteration as the training loop runs it on webgpu (trainStepOn: deep supervision, on-device
 * clipping and SGD), fed by the real loader (augmenting worker threads) with the next batch taken and uploaded
 * while the step runs (TrainConfig.prefetch). `waited`: time spent waiting for the loader, inside that overlap.
 */
async function measureWithLoading(p: Plan, steps: number): Promise<{ perIter: number; waited: number }> {
  const root = mkdtempSync(join(tmpdir(), 'bench-gpu-'));
  const net = network(p);
  const vars = net.params.map((q) => q.variable);
  const opt = new DeviceNesterovSgd(vars, { momentum: TRAINING.momentum, weightDecay: TRAINING.weightDecay, nesterov: true });
  const setup: StepSetup = {
    loss: LOSS, regionSets: null, scales: deepSupervisionScales(p.strides), weights: deepSupervisionWeights(p.features.length - 1),
    gradClip: TRAINING.gradClip, onDevice: true,
    // under mixed precision the loop's loss scaler too (its finiteness flag and gated update are part of the step)
    ...(needsLossScaling() ? { scaler: new GradScaler() } : {}),
  };
  const cases = await makeCases(root, 20, [36, 50, 35]);
  const loader = createBatchLoader({
    cases, patchSize: p.patch, batchSize: p.batch, oversampleForeground: TRAINING.oversampleForeground, augment: true,
    config: configureAugmentation(p.patch, { useMaskForNorm: [false] }), seed: 1,
  });
  let waited = 0;
  const taken: { ahead: BatchTensors | null } = { ahead: null };
  const take = async (): Promise<void> => {
    const w = performance.now();
    const batch = await loader.next();
    waited += performance.now() - w;
    taken.ahead = toTensors(batch, setup);
  };
  const step = async (): Promise<void> => {
    const t = taken.ahead;
    if (!t) throw new Error('no batch taken ahead');
    taken.ahead = null;
    await trainStepOn(net, opt, t, setup, TRAINING.initialLr, take);
  };
  try {
    await take();
    await step();
    waited = 0;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    return { perIter: (performance.now() - t0) / steps, waited: waited / steps };
  } finally {
    if (taken.ahead) tf.dispose([taken.ahead.x, ...taken.ahead.targets]);
    await loader.close();
    opt.dispose();
    net.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Where a step's time goes (BENCH_GPU_PROFILE=1): forward+loss, +backward, +SGD, each awaited; the largest
 * first-stage convolution alone (fwd, dx, dw); and the kernels of one step by GPU time (tf.profile sees
 * runKernel calls only: the convolutions as Nn* kernels and tfjs's stock ones; our other WGSL programs run inside
 * customGrads and are not listed).
 */
async function profile(p: Plan): Promise<void> {
  const net = network(p);
  const vars = net.params.map((q) => q.variable);
  const opt = new DeviceNesterovSgd(vars, { momentum: 0.99, weightDecay: 3e-5, nesterov: true });
  const x = tf.randomNormal([p.batch, ...p.patch, p.inputChannels], 0, 1, 'float32', 1);
  const target = tf.floor(tf.randomUniform([p.batch, ...p.patch, 1], 0, p.classes, 'float32', 2));
  const f = p.features[0];
  const a = tf.randomNormal([p.batch, ...p.patch, f], 0, 1, 'float32', 3);
  const w = tf.randomNormal([3, 3, 3, f, f], 0, 0.05, 'float32', 4);
  const pads = [1, 1, 1];
  try {
    const fwd = await msPerCall(() => segmentationLoss(net.apply(x), target, LOSS), 3);
    const bwd = await msPerCall(() => {
      const { value, grads } = tf.variableGrads(() => segmentationLoss(net.apply(x), target, LOSS), vars);
      return [...Object.values(grads), value];
    }, 3);
    const full = await msPerCall(() => {
      const { value, grads } = tf.variableGrads(() => segmentationLoss(net.apply(x), target, LOSS), vars);
      opt.step(vars.map((v) => grads[v.name] ?? null), 0.01);
      tf.dispose(Object.values(grads));
      return value;
    }, 3);
    console.log(`profile ${p.name}: forward+loss ${fwd.toFixed(1)} ms, +backward ${bwd.toFixed(1)} ms, +SGD ${full.toFixed(1)} ms`);
    const convFwd = await msPerCall(() => netOps().conv(a, w, null, [1, 1, 1], pads), 5);
    const convAll = await msPerCall(() => tf.grads((xs: tf.Tensor, ws: tf.Tensor) => netOps().conv(xs, ws, null, [1, 1, 1], pads))([a, w]), 5);
    const gflop = (2 * a.size * f * 27) / 1e9;
    console.log(`profile conv ${f}->${f} 3^3 on [${a.shape}]: fwd ${convFwd.toFixed(2)} ms (${(gflop / convFwd).toFixed(1)} TFLOP/s), fwd+dx+dw ${convAll.toFixed(2)} ms (${(3 * gflop / convAll).toFixed(1)} TFLOP/s)`);
    const prof = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => segmentationLoss(net.apply(x), target, LOSS), vars);
      tf.dispose(Object.values(grads));
      return value;
    });
    const byName = new Map<string, number>();
    for (const k of prof.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + (Number(k.kernelTimeMs) || 0));
    const top = [...byName].sort((u, v) => v[1] - u[1]).slice(0, 15);
    console.log(`profile kernels by GPU time (${prof.kernels.length} calls): ${top.map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(', ')}`);
    tf.dispose(prof.result as tf.Tensor);
  } finally {
    tf.dispose([x, target, a, w]);
    opt.dispose();
    net.dispose();
  }
}

interface TorchResult { ms: number[]; torch?: string }

function torchRun(cfgs: BenchConfig[]): TorchResult[] | string {
  const py = process.env.PYTHON ?? 'python3';
  const script = fileURLToPath(new URL('./torch_unet.py', import.meta.url));
  if (!existsSync(script)) return `${script} not found`;
  const r = spawnSync(py, [script, JSON.stringify(cfgs)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const lines = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{'));
  if (r.status !== 0 || lines.length !== cfgs.length) {
    return `PyTorch run failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  }
  return lines.map((l) => JSON.parse(l) as TorchResult);
}

export async function run(): Promise<void> {
  const info = await initBackend(process.env.NNUNET_BACKEND ? undefined : 'webgpu');
  if (process.argv.includes('--conv')) {
    console.log(`ours: ${describeBackend(info)}`);
    await runConvBench();
    return;
  }
  const tiny = process.env.BENCH_GPU_TINY === '1';
  const steps = Number(process.env.BENCH_GPU_STEPS ?? (tiny ? 2 : 5));
  const warmup = tiny ? 1 : 2;
  const names = (process.env.BENCH_GPU_CONFIGS ?? 'hippocampus,brats').split(',');
  const all = plans(tiny);
  console.log(`ours: ${describeBackend(info)}; medians of ${steps} steps after ${warmup} warm-up`);
  if (info.gpu) console.log(`adapter: ${JSON.stringify(info.gpu)}`);
  const header = ['plan', 'mode', 'ours ms', 'pytorch fp32 ms', 'pytorch amp ms', 'ratio vs amp', 'ours tensors/bytes +'];
  const rows: string[][] = [];
  const ratio: Record<string, Record<string, number>> = {};
  for (const name of names) {
    const p = all[name];
    if (!p) throw new Error(`unknown plan '${name}'; known: ${Object.keys(all).join(', ')}`);
    if (process.env.BENCH_GPU_PROFILE === '1') await profile(p);
    const ours = await measureOurs(p, steps, warmup);
    console.log(`${p.name}: ours train ${median(ours.train).toFixed(1)} ms, infer ${median(ours.infer).toFixed(1)} ms`);
    const modes = ['train', 'infer'] as const;
    const cfgs = modes.flatMap((mode) => [false, true].map((amp) => ({ ...p, mode, steps, warmup, device: 'cuda', amp })));
    const torch = tiny ? 'skipped for BENCH_GPU_TINY' : process.env.BENCH_GPU_TORCH === '0' ? 'skipped: BENCH_GPU_TORCH=0' : torchRun(cfgs);
    if (typeof torch === 'string') console.log(`notice: ${torch}`);
    modes.forEach((mode, m) => {
      const o = median(mode === 'train' ? ours.train : ours.infer);
      const t32 = typeof torch === 'string' ? NaN : median(torch[2 * m].ms);
      const t16 = typeof torch === 'string' ? NaN : median(torch[2 * m + 1].ms);
      (ratio[name] ??= {})[mode] = o / t16;
      const f = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(1));
      rows.push([p.name, mode, f(o), f(t32), f(t16), Number.isNaN(t16) ? '-' : (o / t16).toFixed(2),
        mode === 'train' ? `${ours.tensorsGrowth} / ${ours.bytesGrowth}` : '']);
      console.log(`row: ${rows[rows.length - 1].join(' | ')}`);
    });
    if (name === 'hippocampus' && process.env.BENCH_GPU_LOADER !== '0') {
      const { perIter, waited } = await measureWithLoading(p, steps);
      const hours = (perIter / 1000) * 1000 * 250 / 3600;
      rows.push([p.name, 'iteration with data loading', perIter.toFixed(1), '', '', '', `waited ${waited.toFixed(1)} ms`]);
      console.log(`fold estimate (1000 x 250 iterations, Hippocampus 3d_fullres, the training loop's iteration): ${hours.toFixed(2)} h`);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  const key = names.includes('brats') ? 'brats' : names[0];
  const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(2));
  console.log(`gpu ratio vs pytorch-cuda: train=${fmt(ratio[key]?.train)} infer=${fmt(ratio[key]?.infer)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

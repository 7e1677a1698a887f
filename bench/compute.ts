/**
 * Compute benchmark: a training step and an inference of the plain nnU-Net U-Net, ours (the backend
 * initBackend picks, oneDNN here) against PyTorch CPU running the identical network (bench/torch_unet.py),
 * alternating the two in the same run. Each measurement runs in its own child process so peak RSS is per side.
 * Configurations: (a) the research probe net, (b) Dataset004 Hippocampus 3d_fullres, (c) its 2d plan.
 * Last line: `compute ratio vs pytorch: train=<x> infer=<y>` (ours / PyTorch, medians, Hippocampus 3d_fullres).
 * Env: BENCH_ROUNDS (default 3), BENCH_CONFIGS (comma list of probe, conv128, 2d, 3d_fullres), NNUNET_THREADS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchConfig {
  name: string;
  dim: 2 | 3;
  features: number[];
  kernels: number[][];
  strides: number[][];
  encoderDepth: number[];
  decoderConvs: number[];
  classes: number;
  inputChannels: number;
  batch: number;
  patch: number[];
  /** conv: one 3x3x3 conv (features[0] -> features[0], bias) forward + backward: the per-op memory check */
  mode: 'train' | 'infer' | 'conv';
  steps: number;
  warmup: number;
}

export type Net = Omit<BenchConfig, 'name' | 'batch' | 'patch' | 'mode' | 'steps' | 'warmup'>;

const k3 = [3, 3, 3];
const probe: Net = {
  dim: 3, features: [8, 16, 32], kernels: [k3, k3, k3], strides: [[1, 1, 1], [2, 2, 2], [2, 2, 2]],
  encoderDepth: [2, 2, 2], decoderConvs: [2, 2], classes: 3, inputChannels: 1,
};
// nnU-Net v2's plan for Dataset004_Hippocampus (ExperimentPlanner, 8 GB): 3d_fullres patch [40, 56, 40], batch 9,
// 4 stages of 32-256 features, 3x3x3 kernels, strides 1,2,2,2; 2d patch [56, 40], batch 366, same widths.
export const hippo3d: Net = {
  dim: 3, features: [32, 64, 128, 256], kernels: [k3, k3, k3, k3], strides: [[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2]],
  encoderDepth: [2, 2, 2, 2], decoderConvs: [2, 2, 2], classes: 3, inputChannels: 1,
};
const hippo2d: Net = {
  dim: 2, features: [32, 64, 128, 256], kernels: [[3, 3], [3, 3], [3, 3], [3, 3]], strides: [[1, 1], [2, 2], [2, 2], [2, 2]],
  encoderDepth: [2, 2, 2, 2], decoderConvs: [2, 2, 2], classes: 3, inputChannels: 1,
};

const CASES: Record<string, Array<Omit<BenchConfig, 'mode' | 'steps' | 'warmup'> & { mode: BenchConfig['mode'] }>> = {
  probe: [
    { name: 'probe 32^3 b2', ...probe, batch: 2, patch: [32, 32, 32], mode: 'train' },
    { name: 'probe 64^3 b1', ...probe, batch: 1, patch: [64, 64, 64], mode: 'infer' },
  ],
  '3d_fullres': [
    { name: 'hippocampus 3d_fullres b9', ...hippo3d, batch: 9, patch: [40, 56, 40], mode: 'train' },
    { name: 'hippocampus 3d_fullres b1', ...hippo3d, batch: 1, patch: [40, 56, 40], mode: 'infer' },
  ],
  // nnU-Net's largest activations (first stage at 128^3, 32 channels: 256 MiB per sample): peak RSS shows the
  // conv allocates only its output and gradients, no im2col/unfold buffers.
  conv128: [
    { name: 'conv 128^3x32 b1', dim: 3, features: [32], kernels: [k3], strides: [[1, 1, 1]], encoderDepth: [1],
      decoderConvs: [], classes: 0, inputChannels: 32, batch: 1, patch: [128, 128, 128], mode: 'conv' },
  ],
  '2d': [
    { name: 'hippocampus 2d b366', ...hippo2d, batch: 366, patch: [56, 40], mode: 'train' },
    // one case's 36 slices in one batch
    { name: 'hippocampus 2d b36', ...hippo2d, batch: 36, patch: [56, 40], mode: 'infer' },
  ],
};

/** Convolution FLOPs of one forward pass (2 per multiply-add); a training step is ~3x (fwd, bwd-data, bwd-weights). */
export function convFlops(c: BenchConfig): number {
  const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);
  let size = c.patch;
  let cin = c.inputChannels;
  let flops = 0;
  const sizes: number[][] = [];
  c.features.forEach((f, st) => {
    for (let i = 0; i < c.encoderDepth[st]; i++) {
      if (i === 0) size = size.map((s, a) => Math.floor((s - 1) / c.strides[st][a]) + 1);
      flops += 2 * cin * f * prod(c.kernels[st]) * prod(size) * c.batch;
      cin = f;
    }
    sizes.push(size);
  });
  const n = c.features.length;
  for (let j = 0; j < n - 1; j++) {
    const below = c.features[n - 1 - j];
    const skip = c.features[n - 2 - j];
    flops += 2 * below * skip * prod(c.strides[n - 1 - j]) * prod(sizes[n - 1 - j]) * c.batch;
    for (let i = 0; i < c.decoderConvs[j]; i++) {
      flops += 2 * (i === 0 ? 2 * skip : skip) * skip * prod(c.kernels[n - 2 - j]) * prod(sizes[n - 2 - j]) * c.batch;
    }
  }
  flops += 2 * c.features[0] * c.classes * prod(sizes[0]) * c.batch;
  return c.mode === 'infer' ? flops : 3 * flops;
}

interface Measured { ms: number[]; maxrss_MB: number; tensorsGrowth?: number; backend?: string; torch?: string }

function child(cmd: string, args: string[]): Measured | { error: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24, env: process.env });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Measured;
  } catch {
    return { error: `${cmd} exited ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
  }
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const TORCH_PY = fileURLToPath(new URL('./torch_unet.py', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

function torchAvailable(): boolean {
  if (!existsSync('/usr/bin/python3') && !process.env.PYTHON) return false;
  const r = spawnSync(process.env.PYTHON ?? '/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0;
}

export async function run(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const names = (process.env.BENCH_CONFIGS ?? 'probe,conv128,2d,3d_fullres').split(',');
  const withTorch = torchAvailable();
  if (!withTorch) console.log('notice: PyTorch not found (/usr/bin/python3 -c "import torch" failed); PyTorch columns skipped');
  const py = process.env.PYTHON ?? '/usr/bin/python3';
  const header = ['config', 'mode', 'ours ms', 'pytorch ms', 'ratio', 'ours GFLOP/s', 'pytorch GFLOP/s', 'ours RSS MB', 'pytorch RSS MB', 'tensors +/step'];
  const rows: string[][] = [];
  const ratios: Record<string, number> = {};
  let backend = '';
  for (const name of names) {
    for (const base of CASES[name] ?? []) {
      const big = base.batch * base.patch.reduce((a, b) => a * b, 1) > 2e5;
      const cfg: BenchConfig = { ...base, steps: big ? 2 : 4, warmup: 1 };
      const ours: Measured[] = [];
      const theirs: Measured[] = [];
      for (let r = 0; r < rounds; r++) {
        const o = child(process.execPath, ['--import', 'tsx', SELF, '--child', JSON.stringify(cfg)]);
        if ('error' in o) throw new Error(`compute bench (${cfg.name} ${cfg.mode}): ${o.error}`);
        ours.push(o);
        backend = o.backend ?? backend;
        if (withTorch) {
          const t = child(py, [TORCH_PY, JSON.stringify(cfg)]);
          if ('error' in t) throw new Error(`torch bench (${cfg.name} ${cfg.mode}): ${t.error}`);
          theirs.push(t);
        }
      }
      const gflop = convFlops(cfg) / 1e9;
      const om = median(ours.flatMap((m) => m.ms));
      const tm = withTorch ? median(theirs.flatMap((m) => m.ms)) : NaN;
      const ratio = om / tm;
      if (name === '3d_fullres') ratios[cfg.mode] = ratio;
      rows.push([cfg.name, cfg.mode, om.toFixed(0), withTorch ? tm.toFixed(0) : '-', withTorch ? ratio.toFixed(2) : '-',
        (gflop / (om / 1000)).toFixed(1), withTorch ? (gflop / (tm / 1000)).toFixed(1) : '-',
        Math.max(...ours.map((m) => m.maxrss_MB)).toFixed(0), withTorch ? Math.max(...theirs.map((m) => m.maxrss_MB)).toFixed(0) : '-',
        String(Math.max(...ours.map((m) => m.tensorsGrowth ?? 0)))]);
    }
  }
  console.log(`ours: ${backend}; ${rounds} alternating rounds, medians of per-step times after warm-up`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(2));
  console.log(`compute ratio vs pytorch: train=${fmt(ratios.train)} infer=${fmt(ratios.infer)}`);
}

/** One measurement in this (child) process: build the net, time `steps` iterations after `warmup`. */
async function measure(cfg: BenchConfig): Promise<Measured> {
  await import('../src/nn/ops/gradients.js');
  const tf = await import('@tensorflow/tfjs-core');
  const { initBackend, describeBackend } = await import('../src/nn/backend.js');
  const { UNet } = await import('../src/nn/unet/index.js');
  const { segmentationLoss } = await import('../src/nn/loss/index.js');
  const { netOps } = await import('../src/nn/ops/index.js');
  const { FlatNesterovSgd } = await import('../src/nn/kernels/sgd.js');
  const info = await initBackend();
  if (cfg.mode === 'conv') return measureConv(cfg, describeBackend(info));
  const net = new UNet({ kind: 'plain', dim: cfg.dim, inputChannels: cfg.inputChannels, numClasses: cfg.classes,
    features: cfg.features, kernels: cfg.kernels, strides: cfg.strides, encoderDepth: cfg.encoderDepth,
    decoderConvs: cfg.decoderConvs, convBias: true, normEps: 1e-5, slope: 0.01 }, 0);
  const all = net.params.map((p) => p.variable);
  // Without deep supervision the upper decoder heads get no gradient; PyTorch's SGD skips such parameters,
  // so the optimizer holds only the ones the first step reaches.
  let vars: typeof all = [];
  let opt: InstanceType<typeof FlatNesterovSgd> | undefined;
  const x = tf.randomNormal([cfg.batch, ...cfg.patch, cfg.inputChannels], 0, 1, 'float32', 1);
  const target = tf.floor(tf.randomUniform([cfg.batch, ...cfg.patch, 1], 0, cfg.classes, 'float32', 2));
  const lossCfg = { batchDice: true, ignoreLabel: null, regions: false };
  const ms: number[] = [];
  const tensors: number[] = [];
  for (let s = 0; s < cfg.warmup + cfg.steps; s++) {
    const t0 = performance.now();
    if (cfg.mode === 'train') {
      const { value, grads } = tf.variableGrads(() => segmentationLoss(net.apply(x), target, lossCfg), all);
      if (!opt) {
        vars = all.filter((v) => grads[v.name] !== undefined);
        opt = new FlatNesterovSgd(vars, { momentum: 0.99, weightDecay: 3e-5 });
      }
      opt.step(vars.map((v) => grads[v.name]), 0.01);
      tf.dispose([value, ...Object.values(grads)]);
    } else {
      // read outside tidy: a typed array returned from tf.tidy is walked element by element (seconds)
      const probs = tf.tidy(() => netOps().softmax(net.apply(x)));
      probs.dataSync();
      probs.dispose();
    }
    if (s >= cfg.warmup) ms.push(performance.now() - t0);
    tensors.push(tf.memory().numTensors);
  }
  return { ms, maxrss_MB: process.resourceUsage().maxRSS / 1024, backend: describeBackend(info),
    tensorsGrowth: tensors[tensors.length - 1] - tensors[cfg.warmup] };
}

/** One conv layer forward + backward (dy = ones, as PyTorch's y.backward(ones)). */
async function measureConv(cfg: BenchConfig, backend: string): Promise<Measured> {
  const tf = await import('@tensorflow/tfjs-core');
  const { netOps } = await import('../src/nn/ops/index.js');
  const c = cfg.features[0];
  const x = tf.randomNormal([cfg.batch, ...cfg.patch, c], 0, 1, 'float32', 1);
  const w = tf.randomNormal([...cfg.kernels[0], c, c], 0, 0.05, 'float32', 2);
  const b = tf.zeros([c]);
  const pads = cfg.kernels[0].map((k) => (k - 1) / 2);
  const conv = tf.grads((xs, ws, bs) => netOps().conv(xs, ws, bs, cfg.strides[0], pads));
  const ms: number[] = [];
  for (let s = 0; s < cfg.warmup + cfg.steps; s++) {
    const t0 = performance.now();
    tf.dispose(conv([x, w, b]));
    if (s >= cfg.warmup) ms.push(performance.now() - t0);
  }
  return { ms, maxrss_MB: process.resourceUsage().maxRSS / 1024, backend, tensorsGrowth: 0 };
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === '--child') {
  console.log(JSON.stringify(await measure(JSON.parse(process.argv[3]) as BenchConfig)));
}

/**
 * Conv microbenchmark (`npm run bench -- gpu --conv`): every distinct convolution of the Hippocampus 3d_fullres
 * and BraTS-sized U-Nets (encoder and decoder convs), forward, data gradient (dx) and filter gradient (dw), our
 * WGSL implicit GEMM (src/nn/webgpu/conv.ts; both register blocks, tiled and vec4, as the conv tuner would time
 * them) against tfjs-backend-webgpu's stock Conv3D and its backprop kernels, with ms per conv, the ratio of the
 * faster GEMM to stock, and geomeans of that ratio and of vec4 / tiled. Under mixed precision (NNUNET_AMP, an adapter
 * with shader-f16) both blocks are timed with f16 tiles too, and the geomean of the faster f16 GEMM over the faster
 * f32 one is printed. It shows which shapes the GEMM handles badly (few output voxels, long reductions) without the
 * noise of a whole training step.
 * Stock conv3d takes 'same' padding only: for stride 2 on even sizes it pads after where nnU-Net pads
 * symmetrically; the output size and work are the same.
 * Env: BENCH_GPU_TINY=1 (batch 1, smaller patches, the plans' real channel counts: the shapes that matter, on
 * SwiftShader in minutes; patches / 8), BENCH_CONV_REPS (timed repetitions after one warm-up, default 5), BENCH_GPU_CONFIGS.
 */
import * as tf from '@tensorflow/tfjs-core';
import { symmetricConvShape } from '../src/nn/kernels/conv-geometry.js';
import type { GemmVariant } from '../src/nn/webgpu/conv-gemm-blocks.js';
import { gemm } from '../src/nn/webgpu/conv-gemm.js';
import { convPrecision, type ConvPrecision } from '../src/nn/webgpu/precision.js';
import { plans, type Plan } from './gpu-plans.js';
import { msPerCall } from '../src/nn/webgpu/timing.js';

interface Conv { name: string; x: number[]; w: number[]; strides: number[] }

/** The U-Net's convs (nnU-Net's PlainConvUNet: k//2 pads), deduplicated by shape. */
export function unetConvs(p: Plan): Conv[] {
  const out = new Map<string, Conv>();
  const add = (name: string, size: number[], cin: number, cout: number, k: number[], strides: number[]): void => {
    const c = { name, x: [p.batch, ...size, cin], w: [...k, cin, cout], strides };
    const key = JSON.stringify([c.x, c.w, strides]);
    if (!out.has(key)) out.set(key, c);
  };
  const sizes: number[][] = [];
  let size = p.patch;
  let cin = p.inputChannels;
  p.features.forEach((f, s) => {
    const k = p.kernels[s];
    add(`enc${s} ${cin}->${f} s${p.strides[s].join('')}`, size, cin, f, k, p.strides[s]);
    size = size.map((n, i) => Math.floor((n + 2 * Math.floor(k[i] / 2) - k[i]) / p.strides[s][i]) + 1);
    sizes.push(size);
    for (let d = 1; d < p.encoderDepth[s]; d++) add(`enc${s} ${f}->${f}`, size, f, f, k, p.kernels[s].map(() => 1));
    cin = f;
  });
  for (let s = p.features.length - 2; s >= 0; s--) {
    const f = p.features[s];
    const ones = p.kernels[s].map(() => 1);
    add(`dec${s} ${2 * f}->${f}`, sizes[s], 2 * f, f, p.kernels[s], ones);
    for (let d = 1; d < p.decoderConvs[s]; d++) add(`dec${s} ${f}->${f}`, sizes[s], f, f, p.kernels[s], ones);
  }
  return [...out.values()];
}

const r5 = (a: number[]) => a as [number, number, number, number, number];

const KINDS = ['fwd', 'dx', 'dw'] as const;

interface Times { tiled: number; vec4: number; stock: number; f16?: { tiled: number; vec4: number } }

async function measure(c: Conv, reps: number, f16: boolean): Promise<Times[]> {
  const x = tf.randomNormal(r5(c.x), 0, 1, 'float32', 1);
  const w = tf.randomNormal(r5(c.w), 0, 0.05, 'float32', 2);
  const pads = c.w.slice(0, 3).map((k) => Math.floor(k / 2));
  const s = symmetricConvShape(c.x, c.w, c.strides, pads);
  const dy = tf.randomNormal(r5([c.x[0], ...s.outSize, c.w[4]]), 0, 1, 'float32', 3);
  const strides = c.strides as [number, number, number];
  const ours = (v: GemmVariant, p: ConvPrecision = 'f32') => ({
    fwd: () => gemm('fwd', s, x, w, null, v, p), dx: () => gemm('dx', s, dy, w, null, v, p), dw: () => gemm('dw', s, x, dy, null, v, p),
  });
  const stock = {
    fwd: () => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, strides, 'same'),
    dx: () => tf.engine().runKernel(tf.Conv3DBackpropInputV2, { dy, filter: w }, { strides, pad: 'same', inputShape: c.x }) as tf.Tensor,
    dw: () => tf.engine().runKernel(tf.Conv3DBackpropFilterV2, { x, dy }, { strides, pad: 'same', filterShape: c.w }) as tf.Tensor,
  };
  try {
    const res: Times[] = [];
    for (const k of KINDS) {
      res.push({
        tiled: await msPerCall(ours('tiled')[k], reps), vec4: await msPerCall(ours('vec4')[k], reps), stock: await msPerCall(stock[k], reps),
        ...(f16 ? { f16: { tiled: await msPerCall(ours('tiled', 'f16')[k], reps), vec4: await msPerCall(ours('vec4', 'f16')[k], reps) } } : {}),
      });
    }
    return res;
  } finally {
    tf.dispose([x, w, dy]);
  }
}

const geomean = (a: number[]): number => Math.exp(a.reduce((s, v) => s + Math.log(v), 0) / a.length);

export async function runConvBench(): Promise<void> {
  const tiny = process.env.BENCH_GPU_TINY === '1';
  const reps = Number(process.env.BENCH_CONV_REPS ?? 5);
  const names = (process.env.BENCH_GPU_CONFIGS ?? 'hippocampus,brats').split(',');
  const all = plans(false);
  const f16 = convPrecision() === 'f16';
  console.log(`conv microbench: ours (WGSL implicit GEMM, tiled and vec4 register blocks; ours = the faster) vs stock tfjs-webgpu conv3d, ms per call, mean of ${reps} after 1 warm-up${tiny ? '; tiny: batch 1, patch / 8' : ''}${f16 ? '; f16 tiles timed too' : ''}`);
  const rows: Array<{ label: string; kind: string; ours: number; stock: number; vec4PerTiled: number; f16PerF32?: number }> = [];
  for (const name of names) {
    const full = all[name];
    if (!full) throw new Error(`unknown plan '${name}'; known: ${Object.keys(all).join(', ')}`);
    const p = tiny ? { ...full, batch: 1, patch: full.patch.map((n) => Math.max(1, Math.round(n / 8))) } : full;
    for (const c of unetConvs(p)) {
      const label = `${name} ${c.name} [${c.x.slice(0, 4)}]`;
      const res = await measure(c, reps, f16);
      KINDS.forEach((kind, i) => {
        const { tiled, vec4, stock, f16: half } = res[i];
        const ours = Math.min(tiled, vec4);
        const halfText = half ? `, f16 tiled ${half.tiled.toFixed(2)} ms, f16 vec4 ${half.vec4.toFixed(2)} ms` : '';
        rows.push({ label, kind, ours, stock, vec4PerTiled: vec4 / tiled, ...(half ? { f16PerF32: Math.min(half.tiled, half.vec4) / ours } : {}) });
        console.log(`conv ${label} ${kind}: tiled ${tiled.toFixed(2)} ms, vec4 ${vec4.toFixed(2)} ms${halfText}, stock ${stock.toFixed(2)} ms, ratio ours/stock ${(ours / stock).toFixed(2)}`);
      });
    }
  }
  const ratios = (k?: string) => rows.filter((r) => !k || r.kind === k).map((r) => r.ours / r.stock);
  const worst = [...rows].sort((a, b) => b.ours / b.stock - a.ours / a.stock).slice(0, 5);
  console.log(`conv worst: ${worst.map((r) => `${r.label} ${r.kind} ${(r.ours / r.stock).toFixed(2)}`).join('; ')}`);
  console.log(`conv ratio ours/stock geomean: fwd=${geomean(ratios('fwd')).toFixed(2)} dx=${geomean(ratios('dx')).toFixed(2)} dw=${geomean(ratios('dw')).toFixed(2)} all=${geomean(ratios()).toFixed(2)}`);
  const v4 = (k?: string) => geomean(rows.filter((r) => !k || r.kind === k).map((r) => r.vec4PerTiled)).toFixed(2);
  console.log(`conv ratio vec4/tiled geomean: fwd=${v4('fwd')} dx=${v4('dx')} dw=${v4('dw')} all=${v4()}`);
  if (f16) {
    const h = (k?: string) => geomean(rows.filter((r) => !k || r.kind === k).map((r) => r.f16PerF32!)).toFixed(2);
    console.log(`conv ratio f16/f32 geomean: fwd=${h('fwd')} dx=${h('dx')} dw=${h('dw')} all=${h()}`);
  }
}

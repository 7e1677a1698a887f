// The conv tuner: tfjs's stock kernels compute every product of the shared parity cases as the GEMM does (so
// either choice is safe), the tuner times the shapes a step met and later steps run the faster kernels, and
// NNUNET_CONV_ALGO picks the policy. Runs on SwiftShader in CI.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../ops/gradients.js';
import { describeBackend, initBackend } from '../backend.js';
import { symmetricConvShape } from '../kernels/conv-geometry.js';
import { CONV_CASES, type ConvCase } from '../../../test/gpu/conv-cases.js';
import { expectParity, runOp } from '../../../test/gpu/parity.js';
import { CONV_ALGOS, convCandidates, convPolicy, convPolicyFor, describeTuning, setConvPolicy, tunePendingConvs } from './conv-tuner.js';
import { setConvPrecision } from './precision.js';
import { vec4Worthwhile } from './conv-gemm.js';
import { probeWebGpu } from './device.js';
import { webgpuNetOps } from './net-ops.js';

describe('convPolicyFor', () => {
  it('tunes on a real GPU only when auto, and lets a fixed choice through anywhere', () => {
    expect(convPolicyFor('auto', false)).toBe('tune');
    expect(convPolicyFor('auto', true)).toBe('gemm');
    expect(convPolicyFor('tune', true)).toBe('tune');
    expect(convPolicyFor('stock', false)).toBe('stock');
    expect(convPolicyFor('gemm', false)).toBe('gemm');
  });

  it('says in its log line when the GEMMs it timed hold f16 tiles, and counts the f32 GEMMs only then', () => {
    const timed = [{ key: 'fwd f16 1', kind: 'fwd' as const, kernel: 'k', ms: { gemm: 2, stock: 1 }, chosen: 'stock' as const }];
    setConvPrecision('f16');
    try {
      expect(describeTuning(timed)).toBe('conv tuning: 1 convolution products timed on the device (GEMM tiles in f16): GEMM 0,'
        + ' vec4 GEMM 0, f32 GEMM 0, f32 vec4 GEMM 0, stock kernels 1 (fwd 1); 2.0 -> 1.0 ms per pass over them (GEMM only -> chosen)');
    } finally {
      setConvPrecision('f32');
    }
    expect(describeTuning(timed)).toMatch(/^conv tuning: 1 convolution products timed on the device: GEMM 0/);
  });
});

const probe = await probeWebGpu();
if (!probe.adapter) console.warn(`conv tuner tests skipped: ${probe.why}`);

// a stride-2 conv on even sizes: stock 'same' would pad after where k // 2 pads before, so it runs on a padded input
const EVEN_STRIDED: ConvCase = {
  name: '3D stride 2 on even sizes (explicitly padded input)', shapes: [[2, 4, 6, 4, 5], [3, 3, 3, 5, 7], [7]],
  shape: symmetricConvShape([2, 4, 6, 4, 5], [3, 3, 3, 5, 7], [2, 2, 2], [1, 1, 1]), split: [],
  op: (o, [x, w, b]) => o.conv(x, w, b, [2, 2, 2], [1, 1, 1]),
};

// channels and voxels enough for 64-row, 32-column tiles: the vec4 GEMM is timed too (conv-gemm's vec4Worthwhile)
const WIDE: ConvCase = {
  name: '3D 32 -> 32 channels on 4^3 voxels', shapes: [[1, 4, 4, 4, 32], [3, 3, 3, 32, 32], [32]],
  shape: symmetricConvShape([1, 4, 4, 4, 32], [3, 3, 3, 32, 32], [1, 1, 1], [1, 1, 1]), split: [],
  op: (o, [x, w, b]) => o.conv(x, w, b, [1, 1, 1], [1, 1, 1]),
};

/** the kernels one output-and-gradients evaluation of the case runs */
const kernelsOf = async (c: ConvCase): Promise<string[]> => {
  const inputs = c.shapes.map((s) => tf.ones(s));
  const names = (await tf.profile(() => {
    const [y, ...grads] = [c.op(webgpuNetOps, inputs), ...tf.grads((...t: tf.Tensor[]) => tf.sum(c.op(webgpuNetOps, t)))(inputs)];
    return [y, ...grads];
  })).kernelNames;
  tf.dispose(inputs);
  return names;
};

describe.skipIf(!probe.adapter)('conv tuner (SwiftShader in CI)', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });
  afterAll(() => setConvPolicy('gemm'));

  it.each([...CONV_CASES, EVEN_STRIDED].map((c) => [c.name, c] as const))('stock kernels match the reference: %s', async (_name, c) => {
    setConvPolicy('stock');
    await expectParity(webgpuNetOps, c.op, c.shapes);
    // the products really ran on stock kernels (nested in ours), and on the GEMM they do not
    const stockKernels = /^Conv[23]D(BackpropInput|BackpropFilter)?(V2)?$/;
    expect((await kernelsOf(c)).filter((k) => stockKernels.test(k)).length).toBeGreaterThanOrEqual(2);
    setConvPolicy('gemm');
    expect((await kernelsOf(c)).filter((k) => stockKernels.test(k))).toEqual([]);
  });

  it.each([['a 32 -> 32 conv: every candidate', WIDE], ['a 5 -> 7 conv: no vec4 (its tiles would be mostly zeros)', EVEN_STRIDED]] as const)(
    'times the products a step met, keeps the fastest, and frees what it made: %s', async (_name, c) => {
      setConvPolicy('tune');
      await runOp(webgpuNetOps, c.op, c.shapes);
      const before = tf.memory().numTensors;
      const timed = await tunePendingConvs(1);
      expect(tf.memory().numTensors).toBe(before);
      expect(timed.map((t) => t.kind).sort()).toEqual(['dw', 'dx', 'fwd']);
      for (const t of timed) {
        // f32 process: the f32 GEMMs are the GEMMs, so they are not timed twice
        const expected = CONV_ALGOS.filter((a) => (a !== 'gemm-vec4' || c === WIDE) && !a.endsWith('-f32'));
        expect(convCandidates(t.kind, c.shape)).toEqual(expected);
        expect(Object.keys(t.ms).sort()).toEqual([...expected].sort());
        expect(vec4Worthwhile(t.kind, c.shape)).toBe(c === WIDE);
        for (const algo of expected) expect(t.ms[algo]).toBeGreaterThan(0);
        expect(Math.min(...Object.values(t.ms))).toBe(t.ms[t.chosen]);
      }
      const line = describeTuning(timed);
      expect(line).toMatch(/^conv tuning: 3 convolution products timed on the device: GEMM \d( \([^)]*\))?, vec4 GEMM \d( \([^)]*\))?, stock kernels \d( \([^)]*\))?; [\d.]+ -> [\d.]+ ms per pass/);
      const counts = [...line.matchAll(/(?:GEMM|kernels) (\d)/g)].map((m) => Number(m[1]));
      expect(counts.reduce((x, y) => x + y, 0)).toBe(3);
      // the shapes are decided: nothing is queued again, and the chosen kernels still compute the same products
      await expectParity(webgpuNetOps, c.op, c.shapes);
      expect(await tunePendingConvs()).toEqual([]);
    });

  it('keeps its choices for the next process on this adapter, and times a shape again when its GEMM changed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nnunet-tuning-'));
    const file = join(dir, 'conv-tuning.json');
    const saved = { algo: process.env.NNUNET_CONV_ALGO, tuning: process.env.NNUNET_CONV_TUNING };
    const c = EVEN_STRIDED;
    try {
      process.env.NNUNET_CONV_ALGO = 'tune';
      process.env.NNUNET_CONV_TUNING = file;
      expect((await initBackend('webgpu')).convTuning).toEqual({ file, loaded: 0 });
      await runOp(webgpuNetOps, c.op, c.shapes);
      const first = await tunePendingConvs(1);
      expect(first).toHaveLength(3);
      // a new backend (as a new process would start) starts from the file: nothing is timed again
      const again = await initBackend('webgpu');
      expect(again.convTuning).toEqual({ file, loaded: 3 });
      expect(describeBackend(again)).toContain(`(3 shapes from ${file})`);
      await runOp(webgpuNetOps, c.op, c.shapes);
      expect(await tunePendingConvs(1)).toEqual([]);

      // the saved choice is the one that runs: all stock, then the stock kernels carry the products
      const data = JSON.parse(await readFile(file, 'utf8'));
      const shapes = Object.values(data.devices)[0] as Record<string, { chosen: string; kernel: string }>;
      expect(Object.keys(shapes).sort()).toEqual(first.map((t) => t.key).sort());
      for (const s of Object.values(shapes)) s.chosen = 'stock';
      // one shape was timed against a GEMM that has since changed: its choice is not trusted
      const stale = first.find((t) => t.kind === 'dw')!.key;
      shapes[stale].kernel = 'an older kernel';
      await writeFile(file, JSON.stringify(data));
      await initBackend('webgpu');
      const stockKernels = /^Conv[23]D(BackpropInput|BackpropFilter)?(V2)?$/;
      const ran = (await kernelsOf(c)).filter((k) => stockKernels.test(k));
      expect(ran.length).toBeGreaterThanOrEqual(2);
      expect(ran.some((k) => k.startsWith('Conv3DBackpropFilter'))).toBe(false);
      expect((await tunePendingConvs(1)).map((t) => t.key)).toEqual([stale]);
    } finally {
      for (const [k, v] of [['NNUNET_CONV_ALGO', saved.algo], ['NNUNET_CONV_TUNING', saved.tuning]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('queues nothing under a fixed choice', async () => {
    setConvPolicy('gemm');
    await runOp(webgpuNetOps, CONV_CASES[0].op, CONV_CASES[0].shapes);
    expect(await tunePendingConvs()).toEqual([]);
  });

  it('takes its policy from NNUNET_CONV_ALGO, auto keeping the GEMM on a CPU fallback adapter', async () => {
    const saved = process.env.NNUNET_CONV_ALGO;
    try {
      process.env.NNUNET_CONV_ALGO = 'fastest';
      await expect(initBackend('webgpu')).rejects.toThrow("NNUNET_CONV_ALGO must be one of auto, tune, gemm, gemm-vec4, stock, got 'fastest'");
      process.env.NNUNET_CONV_ALGO = 'tune';
      expect((await initBackend('webgpu')).convAlgorithm).toBe('tune');
      expect(convPolicy()).toBe('tune');
      delete process.env.NNUNET_CONV_ALGO;
      const info = await initBackend('webgpu');
      expect(info.gpu?.fallback).toBe(true);
      expect(info.convAlgorithm).toBe('gemm');
    } finally {
      if (saved === undefined) delete process.env.NNUNET_CONV_ALGO;
      else process.env.NNUNET_CONV_ALGO = saved;
    }
  });
});

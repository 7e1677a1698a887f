// Mixed precision end to end on webgpu (lavapipe in CI, the CPU adapter with shader-f16: test/gpu/f16-adapter.ts):
// the phantom training of webgpu-train.e2e.test.ts with f16 convolutions and the loss scaler stays in oneDNN's band;
// the scaler's state goes into the checkpoint and a resume continues it; an overflowing step is skipped on the device
// (no read-back but the loss and a flag), leaving weights and momentum untouched; GPU memory stays flat over 12
// steps that apply or skip.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/nn/backend.js';
import { readCheckpoint } from '../../src/nn/checkpoint.js';
import { GradScaler } from '../../src/nn/optim/index.js';
import { runTraining } from '../../src/nn/train/index.js';
import { toTensors, trainStepOn, type StepSetup } from '../../src/nn/train/step.js';
import { deepSupervisionScales, deepSupervisionWeights } from '../../src/nn/loss/index.js';
import { networkSpec, UNet, type PlansArchitecture } from '../../src/nn/unet/index.js';
import { DeviceNesterovSgd } from '../../src/nn/webgpu/sgd.js';
import { probeF16Adapter } from './f16-adapter.js';
import { expectInBand, ITERATIONS, makePhantomCases, phantomConfig, predictCase, readLog, SHAPE, worst, type PhantomCase } from './phantom.js';
import { tinyPlans } from '../train/synthetic.js';

const probe = await probeF16Adapter();
if (!probe.f16) console.warn(`mixed-precision training test skipped: ${probe.why}`);

let root: string;
let cases: PhantomCase[];
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'webgpu-amp-'));
  cases = await makePhantomCases(join(root, 'data'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  delete process.env.NNUNET_AMP;
});

const lines: string[] = [];
const hooks = { progress: () => {}, log: (m: string) => lines.push(m), aborted: () => false };

describe.skipIf(!probe.f16)('mixed-precision training on webgpu (lavapipe in CI)', () => {
  beforeAll(async () => {
    process.env.NNUNET_AMP = 'on';
    expect((await initBackend('webgpu')).precision?.precision).toBe('f16');
  });

  it('skips an overflowing step on the device: weights and momentum stay, the scale halves, memory stays flat', { timeout: 300_000 }, async () => {
    const plans = tinyPlans(3, SHAPE, 2);
    const spec = networkSpec(plans.configurations['3d_fullres'].architecture as PlansArchitecture, 1, 3);
    const net = new UNet(spec, 3);
    const vars = net.params.map((p) => p.variable);
    const opt = new DeviceNesterovSgd(vars, { momentum: 0.99, weightDecay: 3e-5, nesterov: true });
    const scaler = new GradScaler();
    const setup: StepSetup = {
      loss: { batchDice: false, ignoreLabel: null, regions: false }, regionSets: null,
      scales: deepSupervisionScales(spec.strides), weights: deepSupervisionWeights(spec.features.length - 1),
      gradClip: 12, onDevice: true, scaler,
    };
    const n = 2 * SHAPE[0] * SHAPE[1] * SHAPE[2];
    const seg = new Int16Array(n).map((_, i) => (i % 7 === 0 ? 2 : i % 5 === 0 ? 1 : 0));
    const batch = { data: new Float32Array(n).map((_, i) => seg[i] + Math.sin(i)), seg, dataShape: [2, 1, ...SHAPE], segShape: [2, 1, ...SHAPE] };
    const snapshot = async () => Promise.all(vars.map(async (v) => Array.from(await v.data())));

    await trainStepOn(net, opt, toTensors(batch, setup), setup, 0.01);
    expect(scaler.state()).toEqual({ scale: 65536, growthTracker: 1 });
    const numTensors = tf.memory().numTensors;
    const weights = await snapshot();
    const momentum = (await opt.state()).buffers.map((b) => Array.from(b));
    // gradients past f16's range (65504) once scaled: the f16 convolutions give inf, the step must not apply
    scaler.scale = 2 ** 40;
    const loss = await trainStepOn(net, opt, toTensors(batch, setup), setup, 0.01);
    expect(Number.isFinite(loss)).toBe(true);
    expect(scaler.scale).toBe(2 ** 39);
    expect(scaler.takeSkipped()).toBe(1);
    expect(await snapshot()).toEqual(weights);
    expect((await opt.state()).buffers.map((b) => Array.from(b))).toEqual(momentum);
    expect(tf.memory().numTensors).toBe(numTensors);
    // back at a sane scale the next step applies
    scaler.scale = 1024;
    await trainStepOn(net, opt, toTensors(batch, setup), setup, 0.01);
    expect(scaler.takeSkipped()).toBe(0);
    expect(await snapshot()).not.toEqual(weights);
    expect(tf.memory().numTensors).toBe(numTensors);
    // GPU memory stays flat over steps that apply and steps that are skipped
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 12; i++) {
      scaler.scale = i % 4 === 3 ? 2 ** 40 : 1024;
      await trainStepOn(net, opt, toTensors(batch, setup), setup, 0.01);
    }
    expect(scaler.takeSkipped()).toBe(3);
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(tf.memory().numBytes).toBe(bytes);
    opt.dispose();
    net.dispose();
  });
  // after the overflow test, which compiled the network's kernels on this backend: every backend start recompiles them
  // all (lavapipe takes about a minute for this network), so the webgpu backend starts once and oneDNN comes last
  it('trains with the loss scaler in oneDNN\'s band, checkpoints and resumes the scaler, predicts as oneDNN does', { timeout: 600_000 }, async () => {
    lines.length = 0;
    await runTraining(phantomConfig(root, cases, 'amp', 2), hooks);
    const ampLog = readLog(join(root, 'amp', 'out'));
    console.log(lines.filter((l) => l.startsWith('epoch')).join('\n'));
    expect(JSON.parse(readFileSync(join(root, 'amp', 'out', 'debug.json'), 'utf8')).mixed_precision).toBe(true);
    expect(lines.filter((l) => / loss scale \d+/.test(l))).toHaveLength(2);
    expect(ampLog[1].train_loss).toBeLessThan(ampLog[0].train_loss);

    // the scaler's state is part of the checkpoint (nnU-Net's grad_scaler_state), and a resume continues it
    const final = join(root, 'amp', 'scratch', 'checkpoint_final');
    const { manifest } = await readCheckpoint(final);
    const skipped = lines.join('\n').match(/(\d+) overflowing steps? skipped/g) ?? [];
    expect(manifest.gradScaler).toEqual({ scale: 65536 / 2 ** skipped.length, growthTracker: expect.any(Number) });
    const tracker = manifest.gradScaler!.growthTracker;
    lines.length = 0;
    await runTraining(phantomConfig(root, cases, 'amp', 3), hooks);
    expect(lines.some((l) => l.startsWith(`resuming from ${final} at epoch 2`)), lines.join('\n')).toBe(true);
    const resumed = (await readCheckpoint(final)).manifest.gradScaler!;
    expect(resumed.growthTracker === tracker + ITERATIONS || resumed.scale < manifest.gradScaler!.scale).toBe(true);

    // prediction runs its convolutions in f16 too (nnU-Net predicts under autocast)
    const f16Logits = await predictCase(final, cases);

    // oneDNN, f32: the same seeded training, in whose band f16 operands must keep the run (the band of the f32
    // webgpu test), and the same checkpoint's logits within f16 rounding
    await initBackend('onednn');
    await runTraining(phantomConfig(root, cases, 'onednn', 2), hooks);
    expectInBand(ampLog, readLog(join(root, 'onednn', 'out')));
    const diff = worst(f16Logits, await predictCase(final, cases));
    console.log(`f16 vs f32 prediction: largest logit difference ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-2);
    expect(diff).toBeGreaterThan(0);
  });
});

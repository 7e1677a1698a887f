import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '../../nn/ops/index.js';
import { decodeNpy } from '../../imaging/io/npy.js';
import type { PlansArchitecture } from '../../nn/unet/index.js';
import { loadPth } from './torch-load.js';
import { loadNnunetCheckpoint, nnunetCheckpointBuffer, parseNnunetCheckpoint, torchAliases } from './nnunet-checkpoint.js';
import { networkFromCheckpoint, networkParams } from './network.js';
import { isDict } from './values.js';

// torch.save checkpoints in nnU-Net's layout, from a torch re-statement of the networks: scripts/golden/nnunet_pth.py
const fixture = (name: string) => readFileSync(new URL(`../../../test/interop/fixtures/${name}`, import.meta.url));

/** channels first [N, C, ...s] -> channels last [N, ...s, C] */
function channelsLast(a: { data: ArrayLike<number>; shape: number[] }): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(Float32Array.from(a.data), a.shape);
    const r = a.shape.length;
    return tf.transpose(t, [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1]);
  });
}

describe.each(['plain3d', 'resenc3d', 'plain2d', 'resenc2d'])('%s nnU-Net checkpoint', (name) => {
  const file = `${name}.pth`;
  const buf = fixture(file);
  const ckpt = loadNnunetCheckpoint(buf, file);
  const plans = ckpt.plans as { configurations: Record<string, { architecture: PlansArchitecture }> };
  const arch = plans.configurations[ckpt.configuration!].architecture;

  it('reads what nnU-Net inference reads', () => {
    expect(ckpt.trainerName).toBe('nnUNetTrainer');
    expect(ckpt.fold).toBe(0);
    expect(ckpt.currentEpoch).toBe(2);
    expect(ckpt.mirrorAxes).toEqual(name.endsWith('3d') ? [0, 1, 2] : [0, 1]);
    expect((ckpt.datasetJson as { labels: object }).labels).toEqual({ background: 0, a: 1, b: 2 });
  });

  it('gives the torch logits to 1e-4', async () => {
    const net = await networkFromCheckpoint(ckpt, arch, 2, 3, file);
    const x = channelsLast(decodeNpy(fixture(`${name}.x.npy`)));
    const want = channelsLast(decodeNpy(fixture(`${name}.logits.npy`)));
    const y = net.apply(x);
    expect(y.shape).toEqual(want.shape);
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(y, want))).dataSync()[0]);
    expect(err).toBeLessThan(1e-4);
    tf.dispose([x, want, y]);
    net.dispose();
  });

  it('round trip ours -> .pth -> ours is bit-exact and writes every state_dict key nnU-Net has', async () => {
    const net = await networkFromCheckpoint(ckpt, arch, 2, 3, file);
    const params = networkParams(net);
    const out = nnunetCheckpointBuffer({
      params, plans: ckpt.plans, configuration: ckpt.configuration!, fold: 0, datasetJson: ckpt.datasetJson,
      mirrorAxes: ckpt.mirrorAxes!, currentEpoch: 2, bestEma: 0.5,
    }, 'ours.pth');
    const back = parseNnunetCheckpoint(loadPth(out, 'ours.pth'), 'ours.pth');
    for (const p of params) {
      const w = back.weights.get(p.name)!;
      expect(w.shape).toEqual(p.shape);
      expect(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).equals(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength))).toBe(true);
    }
    expect(back.mirrorAxes).toEqual(ckpt.mirrorAxes);
    expect(back.plans).toEqual(ckpt.plans);
    // load_state_dict(strict=True) in nnU-Net: exactly the keys of the real state_dict, aliases included
    const theirs = loadPth(buf, file) as Map<string, unknown>;
    const keys = (m: unknown) => (isDict(m as never) ? [...(m as Map<string, unknown>).keys()].sort() : []);
    const ours = loadPth(out, 'ours.pth') as Map<string, unknown>;
    expect(keys(ours.get('network_weights'))).toEqual(keys(theirs.get('network_weights')));
    expect(params.flatMap((p) => torchAliases(p.name)).length).toBe(keys(theirs.get('network_weights')).length);
    net.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { backendInfo, describeBackend, initBackend } from './backend.js';
import { loadAddon } from './kernels/addon.js';
import { netOps } from './ops/index.js';

const hasAddon = loadAddon() !== null;

describe('initBackend', () => {
  const savedEnv = { backend: process.env.NNUNET_BACKEND, threads: process.env.NNUNET_THREADS };
  afterEach(() => {
    process.env.NNUNET_BACKEND = savedEnv.backend ?? '';
    process.env.NNUNET_THREADS = savedEnv.threads ?? '';
  });
  afterAll(() => initBackend('cpu'));

  it('pure cpu always works and says how to get faster', async () => {
    const info = await initBackend('cpu');
    expect(info).toMatchObject({ name: 'cpu', tfjsVersion: tf.version_core });
    expect(tf.getBackend()).toBe('cpu');
    expect(netOps().name).toBe('reference');
    expect(info.reason).toMatch(/requested/);
    if (!hasAddon) expect(info.fasterHint).toMatch(/libdnnl-dev|onednn|NNUNET_NO_ADDON/);
    expect(backendInfo()).toBe(info);
  });

  it('honours NNUNET_BACKEND', async () => {
    process.env.NNUNET_BACKEND = 'cpu';
    expect((await initBackend()).name).toBe('cpu');
  });

  it('rejects unknown names and unavailable backends with a reason', async () => {
    await expect(initBackend('gpu' as never)).rejects.toMatchObject({ code: 'BACKEND_UNKNOWN' });
    await expect(initBackend('tfjs-node')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    process.env.NNUNET_THREADS = 'many';
    if (hasAddon) await expect(initBackend('onednn')).rejects.toMatchObject({ code: 'BACKEND_BAD_THREADS' });
  });

  it.skipIf(!hasAddon)('auto picks the oneDNN kernels when the addon loads (no tfjs-node here)', async () => {
    process.env.NNUNET_THREADS = '1';
    const info = await initBackend('auto');
    expect(info.name).toBe('onednn');
    expect(info.onednn).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/), threads: 1 });
    expect(info.kernels).toEqual(expect.arrayContaining(['Conv3D', 'Conv3DBackpropInputV2', 'NnConv']));
    expect(info.reason).toMatch(/skipped tfjs-node-gpu/);
    expect(netOps().name).toBe('onednn');
    expect(describeBackend(info)).toMatch(/^onednn \d+\.\d+\.\d+ \S+ x1 threads, tfjs /);
    // back to pure tfjs: stock kernels and the reference table again
    await initBackend('cpu');
    expect(netOps().name).toBe('reference');
  });
});

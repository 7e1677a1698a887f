// The addon in two JS threads at once (the CLI's main thread and the training worker): each thread has its own
// primitive cache and oneDNN stream, so both compute the same bits as a lone thread.
import { once } from 'node:events';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/nn/backend.js';
import { loadAddon } from '../../src/nn/kernels/addon.js';
import { netOps } from '../../src/nn/ops/index.js';
import { startWorker } from '../../src/util/worker.js';

describe.skipIf(!loadAddon())('addon in a worker thread and the main thread at once', () => {
  afterAll(() => initBackend('cpu'));

  it('gives identical results', async () => {
    process.env.NNUNET_THREADS = '1';
    await initBackend('onednn');
    delete process.env.NNUNET_THREADS;
    const x = tf.randomNormal([2, 6, 7, 8, 4], 0, 1, 'float32', 1);
    const w = tf.randomNormal([3, 3, 3, 4, 8], 0, 0.3, 'float32', 2);
    const compute = () => tf.tidy(() => netOps().instanceNorm(netOps().conv(x, w, null, [1, 1, 1], [1, 1, 1]),
      tf.ones([8]), tf.zeros([8]), 1e-5, 0.01).dataSync() as Float32Array);
    const expected = compute();
    const worker = startWorker(new URL('./worker-conv.ts', import.meta.url),
      { workerData: { x: x.dataSync(), w: w.dataSync(), repeats: 20 } });
    const done = once(worker, 'message');
    for (let i = 0; i < 20; i++) expect(Buffer.from(compute().buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    const [fromWorker] = (await done) as [Float32Array];
    await worker.terminate();
    expect(Buffer.from(fromWorker.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    tf.dispose([x, w]);
  });
});

// Worker entry for threads.test.ts: runs a conv + instance norm on the oneDNN kernels and posts the values.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/nn/backend.js';
import { netOps } from '../../src/nn/ops/index.js';

const { x, w, repeats } = workerData as { x: Float32Array; w: Float32Array; repeats: number };
process.env.NNUNET_THREADS = '1';
await initBackend('onednn');
let out: Float32Array = new Float32Array(0);
for (let i = 0; i < repeats; i++) {
  out = tf.tidy(() => {
    const y = netOps().conv(tf.tensor(x, [2, 6, 7, 8, 4]), tf.tensor(w, [3, 3, 3, 4, 8]), null, [1, 1, 1], [1, 1, 1]);
    return netOps().instanceNorm(y, tf.ones([8]), tf.zeros([8]), 1e-5, 0.01).dataSync() as Float32Array;
  });
}
parentPort!.postMessage(out);

/** Runs `runTraining` in a worker thread and relays progress, log lines, abort and errors. */
import { startWorker } from '../../util/worker.js';
import { AbortedError, NnunetError, type ErrorContext } from '../../engine/errors.js';
import type { TrainConfig } from './config.js';
import type { TrainHooks, TrainResult } from './loop.js';
import type { WorkerMessage } from './worker.js';
import { prepareDawnEnvironment } from '../webgpu/device.js';

export interface WorkerHooks extends Omit<TrainHooks, 'aborted'> {
  signal?: AbortSignal;
}

export function trainInWorker(config: TrainConfig, hooks: WorkerHooks): Promise<TrainResult> {
  // the worker may pick the webgpu backend; Vulkan's variables must be in the real environment before it starts
  prepareDawnEnvironment();
  return new Promise((resolve, reject) => {
    const worker = startWorker(new URL('./worker.ts', import.meta.url), { workerData: { config } });
    let settled = false;
    const onAbort = () => worker.postMessage({ type: 'abort' });
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      fn();
    };
    if (hooks.signal?.aborted) onAbort();
    hooks.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') hooks.progress(m);
      else if (m.type === 'log') hooks.log(m.message);
      else if (m.type === 'done') finish(() => resolve(m.result));
      else {
        const e = m.error;
        const err = e.code === 'ABORTED' ? new AbortedError(e.message) : e.code ? new NnunetError(e.code, e.message, (e.context ?? {}) as ErrorContext) : new Error(e.message);
        if (e.stack) err.stack = e.stack;
        finish(() => reject(err));
      }
    });
    worker.on('error', (e) => finish(() => reject(new NnunetError('TRAIN_WORKER_FAILED', `training worker failed: ${e.message}`, {}, { cause: e }))));
    worker.on('exit', (code) => finish(() => reject(new NnunetError('TRAIN_WORKER_FAILED', `training worker exited with code ${code} before finishing`))));
  });
}

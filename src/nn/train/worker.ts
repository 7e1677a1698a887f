/**
 * Training worker thread: tfjs kernels are synchronous, so training runs here and the main thread's event loop
 * stays free for the engine, progress bars and Ctrl-C. Messages: in {type:'abort'}; out progress/log/done/error.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { describeBackend, initBackend } from '../backend.js';
import { NnunetError } from '../../engine/errors.js';
import { runTraining } from './loop.js';
import type { TrainConfig } from './config.js';

export type WorkerMessage =
  | { type: 'progress'; done: number; total: number; message: string; metrics: Record<string, number> }
  | { type: 'log'; message: string }
  | { type: 'done'; result: Awaited<ReturnType<typeof runTraining>> }
  | { type: 'error'; error: { name: string; code?: string; message: string; context?: unknown; stack?: string } };

const port = parentPort!;
let abortAsked = false;
const take = (m: { type: string }): void => {
  if (m.type === 'abort') abortAsked = true;
};
port.on('message', take);
/**
 * The training loop's kernels are synchronous and its awaits resolve at once, so 'message' events wait for the next
 * real I/O (the end of the epoch): read the queue here, so an abort (Ctrl-C, Slurm's SIGTERM before its KILL)
 * stops at the next iteration.
 */
const aborted = (): boolean => {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) take(m.message as { type: string });
  return abortAsked;
};
const post = (m: WorkerMessage) => port.postMessage(m);

// each thread has its own tfjs engine: pick the backend (oneDNN kernels when built) here, as the main thread does
initBackend()
  .then((backend) => {
    post({ type: 'log', message: `backend: ${describeBackend(backend)}` });
    return runTraining(workerData.config as TrainConfig, {
      progress: (p) => post({ type: 'progress', ...p }),
      log: (message) => post({ type: 'log', message }),
      aborted,
    });
  })
  .then((result) => post({ type: 'done', result }))
  .catch((e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', error: { name: err.name, code: err instanceof NnunetError ? err.code : undefined, message: err.message, context: err instanceof NnunetError ? err.context : undefined, stack: err.stack } });
  })
  .finally(() => port.close());

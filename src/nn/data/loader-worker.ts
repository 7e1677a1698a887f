// Worker thread entry: builds the batches the loader asks for and transfers their buffers back.
import { parentPort, workerData } from 'node:worker_threads';
import { NnunetError } from '../../engine/errors.js';
import { BatchProducer, type BatchSpec } from './batch.js';

export interface WorkerRequest {
  index: number;
}
export type WorkerReply =
  | { index: number; batch: import('./batch.js').Batch }
  | { index: number; error: { message: string; code: string; context: Record<string, unknown> } };

const { spec, seed } = workerData as { spec: BatchSpec; seed: number };
const producer = new BatchProducer(spec);
// one batch at a time, in request order, so requests queue here rather than interleave their awaits
let queue: Promise<void> = Promise.resolve();

parentPort!.on('message', (msg: WorkerRequest) => {
  queue = queue.then(async () => {
    try {
      const batch = await producer.produce(seed, msg.index);
      parentPort!.postMessage({ index: msg.index, batch } satisfies WorkerReply, [batch.data.buffer as ArrayBuffer, batch.seg.buffer as ArrayBuffer]);
    } catch (e) {
      const err = e as Error;
      const error = { message: err.message, code: e instanceof NnunetError ? e.code : 'DATA_WORKER_FAILED', context: e instanceof NnunetError ? { ...e.context } : {} };
      parentPort!.postMessage({ index: msg.index, error } satisfies WorkerReply);
    }
  });
});

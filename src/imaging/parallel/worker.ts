// Worker thread of the ImagingPool: runs one job per message and answers { id, error? }.
import { parentPort } from 'node:worker_threads';
import { runJob, type ImagingJob } from './jobs.js';

parentPort!.on('message', ({ id, job }: { id: number; job: ImagingJob }) => {
  try {
    runJob(job);
    parentPort!.postMessage({ id });
  } catch (err) {
    parentPort!.postMessage({ id, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});

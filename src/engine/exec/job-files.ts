import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import type { Progress } from '../types.js';
import type { ActionJob } from './job.js';

/** How a job ended, as `nnunet exec` leaves it for its driver. */
export type JobResult =
  | { status: 'ran' | 'cached' }
  | { status: 'failed' | 'aborted'; error: { code: string; message: string } };

/**
 * The files one cluster job shares with its driver, in the store's scratch folder beside the action's own
 * scratch state (`scratch/<key>.job/`): the prepared action, the sbatch script, the job log, live progress
 * and the result. Only the filesystem is shared between the driver and the job.
 */
export class JobFiles {
  readonly dir: string;
  constructor(readonly store: Store, key: string) {
    this.dir = `${store.scratchDir(key)}.job`;
  }
  get action(): string { return join(this.dir, 'action.json'); }
  get script(): string { return join(this.dir, 'job.sh'); }
  get progress(): string { return join(this.dir, 'progress.json'); }
  get result(): string { return join(this.dir, 'result.json'); }
  /** sbatch's --output pattern (%j = job id) and one job's log */
  get logPattern(): string { return join(this.dir, 'slurm-%j.log'); }
  log(jobId: string): string { return join(this.dir, `slurm-${jobId}.log`); }

  readAction(): ActionJob | undefined { return readJson(this.action); }
  readProgress(): Progress | undefined { return readJson(this.progress); }
  readResult(): JobResult | undefined { return readJson(this.result); }
  write(file: string, value: unknown): Promise<void> { return this.store.writeAtomic(file, JSON.stringify(value)); }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

import { NnunetError } from '../errors.js';
import type { EngineObserver } from '../events.js';
import { LocalStore } from '../store/local-store.js';
import type { KindRegistry, Progress } from '../types.js';
import { errorOf, runJob } from './job.js';
import { JobFiles, type JobResult } from './job-files.js';
import { lookupCached } from './run-action.js';

// Progress reaches the driver through the shared filesystem: a write a second is plenty for a bar.
const PROGRESS_EVERY_MS = 1000;

/**
 * `nnunet exec <store> <key>` on a cluster node: reads the action its driver prepared in the store, takes
 * the action's lock (a second driver's job for the same key waits, then finds it cached), materialises the
 * inputs, runs the kind and commits exactly as a local run does. The result file tells the driver how it ended.
 */
export async function execStoredJob(storeDir: string, key: string, kinds: KindRegistry,
  opts: { signal: AbortSignal; onEvent?: EngineObserver }): Promise<JobResult> {
  const store = new LocalStore(storeDir);
  const files = new JobFiles(store, key);
  const emit: EngineObserver = opts.onEvent ?? (() => undefined);
  const job = files.readAction();
  if (!job || job.key !== key) {
    throw new NnunetError('EXEC_NO_JOB', `no prepared action for key ${key} in ${files.dir} (the driver writes it before submitting)`);
  }
  const kind = kinds[job.kind];
  if (!kind) throw new NnunetError('EXEC_UNKNOWN_KIND', `${job.actionId}: kind '${job.kind}' is not known to this nnunet`, { node: job.actionId });
  if (kind.version !== job.kindVersion) {
    throw new NnunetError('EXEC_KIND_VERSION', `${job.actionId}: the driver has ${job.kind} version ${job.kindVersion}, this host ${kind.version}; run the same nnunet on every host`, { node: job.actionId });
  }
  const id = job.actionId;
  const started = Date.now();
  let result: JobResult;
  const release = await store.lock(key, opts.signal, () => emit({ type: 'action-wait', id, reason: 'another process runs this action' }));
  try {
    if (await lookupCached(store, key)) {
      result = { status: 'cached' };
    } else {
      let lastWrite = 0;
      const progress = (p: Progress): void => {
        emit({ type: 'action-progress', id, progress: p });
        const now = Date.now();
        if (now - lastWrite < PROGRESS_EVERY_MS && p.done < p.total) return;
        lastWrite = now;
        void files.write(files.progress, p).catch(() => undefined);
      };
      emit({ type: 'action-start', id, node: job.node, key });
      await runJob(store, job, kind, { signal: opts.signal, lines: [], progress, log: (message) => emit({ type: 'action-log', id, message }) });
      result = { status: 'ran' };
    }
  } catch (err) {
    result = opts.signal.aborted ? { status: 'aborted', error: { code: 'ABORTED', message: 'aborted (the job was cancelled or hit its time limit)' } }
      : { status: 'failed', error: errorOf(err) };
  } finally {
    await release();
  }
  await files.write(files.result, result);
  emit({ type: 'action-end', id, node: job.node, status: result.status, durationMs: Date.now() - started, ...('error' in result ? { error: result.error } : {}) });
  return result;
}

/** Worker-thread entry of the preprocessing pool: one CaseTask at a time, errors sent back as plain data. */
import { parentPort } from 'node:worker_threads';
import { NnunetError } from '../../src/engine/errors.js';
import { runCaseTask, type CaseTask } from './run-case.js';

export interface WorkerRequest {
  id: number;
  task: CaseTask;
}
export type WorkerReply =
  | { id: number; ok: true; value: Awaited<ReturnType<typeof runCaseTask>> }
  | { id: number; ok: false; error: { code: string; message: string; context: NnunetError['context']; issues: NnunetError['issues'] } };

parentPort?.on('message', (msg: WorkerRequest) => {
  runCaseTask(msg.task).then(
    (value) => parentPort!.postMessage({ id: msg.id, ok: true, value } satisfies WorkerReply),
    (err: unknown) => {
      const e = err instanceof NnunetError ? err : null;
      const error = {
        code: e?.code ?? 'PREPROCESS_WORKER_ERROR',
        message: err instanceof Error ? err.message : String(err),
        context: e?.context ?? {},
        issues: e?.issues ?? [],
      };
      parentPort!.postMessage({ id: msg.id, ok: false, error } satisfies WorkerReply);
    },
  );
});

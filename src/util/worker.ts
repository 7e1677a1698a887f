/**
 * Starts a worker thread on a module of this project. Sources are TypeScript run through tsx (no build step).
 * On Node 20 `--import tsx` in a worker's execArgv does not reach the worker's entry module ("Unknown file
 * extension .ts"), so a `.ts` worker first registers tsx through its API and then imports the entry.
 * A compiled `.js` module starts as is.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}

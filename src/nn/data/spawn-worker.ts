import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker on a module of this project. A `.ts` module needs tsx's loader inside the worker; on
 * Node 20 `--import tsx` in a worker's execArgv does not reach the worker's entry module ("Unknown file
 * extension .ts", which is what src/util/worker.ts's startWorker runs into), so the worker first registers
 * tsx through its API and then imports the entry. A compiled `.js` module starts as is.
 */
export function startModuleWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, options);
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}

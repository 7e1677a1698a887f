/**
 * Starts a worker thread on a module of this project. Sources are TypeScript run through tsx (no build step),
 * so a `.ts` worker gets tsx's loader in its execArgv; a compiled `.js` worker starts as is.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const isTs = moduleUrl.pathname.endsWith('.ts');
  const execArgv = [...(options.execArgv ?? process.execArgv)];
  if (isTs && !execArgv.some((a, i) => a === 'tsx' && execArgv[i - 1] === '--import')) {
    execArgv.push('--import', 'tsx');
  }
  return new Worker(moduleUrl, { ...options, execArgv });
}

// Kept as an import path for existing callers; the implementation lives in src/util/worker.ts.
export { startWorker as startModuleWorker } from '../../util/worker.js';

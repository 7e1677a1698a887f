export { configureAugmentation, initialPatch, type AugmentConfig } from './configure.js';
export { createBatchLoader, validateLoaderOptions, type BatchLoader, type BatchLoaderOptions } from './loader.js';
export { BatchProducer, type Batch, type BatchSpec } from './batch.js';
export { DataError, DATA_CASES_MISSING, DATA_CASE_INVALID, DATA_OPTIONS_INVALID, DATA_WORKER_FAILED } from './errors.js';
export { createRng, type Rng } from './rng.js';

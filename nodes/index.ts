/**
 * The explicit table of node kinds (no lookup by walking folders). Each kind lives in nodes/<kind>/index.ts.
 * Add a kind: one import line and one entry below.
 */
import type { KindRegistry } from '../src/engine/types.js';
import { command } from './command/index.js';
import { preprocess } from './preprocess/index.js';
import { syntheticDataset } from './synthetic-dataset/index.js';
import { validate } from './validate/index.js';

export const kinds: KindRegistry = {
  command,
  preprocess,
  'synthetic-dataset': syntheticDataset,
  validate,
};

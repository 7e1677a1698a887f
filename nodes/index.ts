/**
 * The explicit table of node kinds (no lookup by walking folders). Each kind lives in nodes/<kind>/index.ts.
 * Add a kind: one import line and one entry below.
 */
import type { KindRegistry } from '../src/engine/types.js';
import { caseFingerprint } from './case-fingerprint/index.js';
import { command } from './command/index.js';
import { dataset } from './dataset/index.js';
import { fingerprint } from './fingerprint/index.js';
import { plan } from './plan/index.js';
import { preprocess } from './preprocess/index.js';
import { preprocessSettingsKind } from './preprocess/settings.js';
import { split } from './split/index.js';
import { syntheticDataset } from './synthetic-dataset/index.js';
import { trainFold } from './train-fold/index.js';
import { validate } from './validate/index.js';
import { evaluate } from './evaluate/index.js';
import { findBestKind } from './find-best/index.js';
import { postprocess } from './postprocess/index.js';
import { exportKind } from './export/index.js';
import { predict } from './predict/index.js';
import { ensemble } from './ensemble/index.js';
import { predictedNextStage } from './predicted-next-stage/index.js';

export const kinds: KindRegistry = {
  'case-fingerprint': caseFingerprint,
  command,
  dataset,
  fingerprint,
  plan,
  preprocess,
  'preprocess-settings': preprocessSettingsKind,
  split,
  'synthetic-dataset': syntheticDataset,
  'train-fold': trainFold,
  validate,
  evaluate,
  'find-best': findBestKind,
  postprocess,
  export: exportKind,
  predict,
  ensemble,
  'predicted-next-stage': predictedNextStage,
};

/**
 * Every `nnunet` subcommand, one module each under src/cli/commands/, each exporting
 * `register(program: Command): void`. Add a command: one import line and one entry below.
 */
import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as status } from './status.js';
import { register as dag } from './dag.js';
import { register as watch } from './watch.js';
import { register as runs } from './runs.js';
import { register as store } from './store.js';
import { register as evaluate } from './evaluate.js';
import { register as predict } from './predict.js';
import { register as ensemble } from './ensemble.js';
import { register as exportModel } from './export.js';
import { register as findBest } from './find-best.js';
import { register as doctor } from './doctor.js';
import { register as preprocess } from './preprocess.js';
import { register as train } from './train.js';
import { register as plan } from './plan.js';
import { register as convertMsd } from './convert-msd.js';
import { register as report } from './report.js';
import { register as reproduce } from './reproduce.js';
import { register as compare } from './compare.js';
import { register as exec } from './exec.js';

export const commands: Array<(program: Command) => void> = [
  run,
  status,
  dag,
  watch,
  runs,
  store,
  evaluate,
  predict,
  ensemble,
  exportModel,
  findBest,
  doctor,
  preprocess,
  train,
  plan,
  convertMsd,
  report,
  reproduce,
  // after runs: adds `runs compare` to that group
  compare,
  exec,
];

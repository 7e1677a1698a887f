/** `nnunet reproduce <run-id>`: rerun a recorded run in a fresh store and say what came out bit-identical. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { NnunetError, readRun } from '../../engine/index.js';
import { formatReproduce, reproduceRun } from '../../tracking/reproduce.js';
import { globalDirs, withTerminal } from './run.js';
import { positiveInt } from '../option-parsers.js';

export function register(program: Command): void {
  program.command('reproduce')
    .description('re-execute a recorded run from its stored pipeline text and params in a fresh store (--store <empty dir>, '
      + 'default a temporary one); say which outputs are bit-identical and which metrics differ')
    .argument('<run-id>', 'run id, unique prefix or latest[~N]')
    .option('--keep', 'keep the temporary store')
    .option('-j, --jobs <n>', 'actions running at once', positiveInt)
    .option('-q, --quiet', 'no live progress')
    .action(async (id: string, o: { keep?: boolean; jobs?: number; quiet?: boolean }, cmd: Command) => {
      // the global --store names the fresh store here (default: a temporary one, removed afterwards)
      const { storeDir, runsDir = 'runs' } = globalDirs(cmd);
      const original = await readRun(resolve(runsDir), id);
      await withTerminal(o.quiet, async ({ signal, onEvent, stopProgress }) => {
        const report = await reproduceRun(original, {
          kinds, storeDir: storeDir && resolve(storeDir), keepStore: o.keep, runsDir, signal, onEvent, concurrency: o.jobs,
        });
        stopProgress();
        process.stdout.write(`${formatReproduce(report)}\n`);
        if (report.rerun.status !== 'succeeded') throw new NnunetError('REPRODUCE_FAILED', `the rerun ${report.rerun.id} ${report.rerun.status}`);
      });
    });
}

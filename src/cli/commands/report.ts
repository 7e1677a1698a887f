/** `nnunet report <run-id>`: the run's self-contained HTML report (DAG, curves, Dice tables, overlays). */
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { readRun } from '../../engine/index.js';
import { writeRunReport } from '../../report/index.js';
import { globalDirs } from './run.js';

export function register(program: Command): void {
  program.command('report')
    .description('write the HTML report of a recorded run (opens from disk, no network)')
    .argument('<run-id>', 'run id, unique prefix or latest[~N]')
    .option('-o, --out <file>', 'where to write it (default: <runs-dir>/<id>/report.html)')
    .action(async (id: string, o: { out?: string }, cmd: Command) => {
      const { storeDir, runsDir = 'runs' } = globalDirs(cmd);
      const record = await readRun(resolve(runsDir), id);
      const path = await writeRunReport(record, { storeDir, runsDir, out: o.out });
      process.stdout.write(`report: ${relative(process.cwd(), path) || path}\n`);
    });
}

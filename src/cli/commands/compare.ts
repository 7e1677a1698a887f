/** `nnunet runs compare <id...>`: added to the `runs` command group that runs.ts creates. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readRun } from '../../engine/index.js';
import { compareRuns, formatComparison, parseCompareFormat } from '../../tracking/compare.js';
import { globalDirs } from './run.js';

export function register(program: Command): void {
  const runs = program.commands.find((c) => c.name() === 'runs') ?? program.command('runs').description('recorded runs');
  runs.command('compare')
    .description('params that differ and Dice per label per configuration across runs')
    .argument('<ids...>', 'run ids, unique prefixes or latest[~N]')
    .option('--format <format>', 'md, csv or json', parseCompareFormat, 'md' as const)
    .action(async (ids: string[], o: { format: 'md' | 'csv' | 'json' }, cmd: Command) => {
      const dir = resolve(globalDirs(cmd).runsDir ?? 'runs');
      const records = [];
      for (const id of ids) records.push(await readRun(dir, id));
      process.stdout.write(formatComparison(compareRuns(records), o.format));
    });
}

/** `nnunet store verify | gc`: check the content-addressed store, or free what no run references. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultStoreDir, gcStore, LocalStore, NnunetError, verifyStore } from '../../engine/index.js';
import { globalDirs } from './run.js';

const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(2)} MiB`;

export function register(program: Command): void {
  const store = program.command('store').description('maintain the content-addressed store');
  store.command('verify').description('re-hash every object; remove what is corrupt so the next run recomputes it')
    .option('--dry-run', 'only report').action(async (o: { dryRun?: boolean }, cmd: Command) => {
      const s = new LocalStore(defaultStoreDir(globalDirs(cmd).storeDir));
      const r = await verifyStore(s, o);
      process.stdout.write(`checked ${r.objects} objects, ${r.trees} trees, ${r.actions} action records in ${s.root}\n`);
      for (const p of r.problems) process.stdout.write(`  ${p}\n`);
      if (r.removed.length) process.stdout.write(`removed ${r.removed.length} corrupt entries; the next run recomputes what used them\n`);
      if (r.problems.length) throw new NnunetError('STORE_CORRUPT', `${r.problems.length} problem(s) in the store`);
      process.stdout.write('store is consistent\n');
    });
  store.command('gc').description('remove outputs no recorded run references and report bytes freed')
    .option('--dry-run', 'only report').option('--force', 'run even when no run records are found (empties the store)')
    .action(async (o: { dryRun?: boolean; force?: boolean }, cmd: Command) => {
      const dirs = globalDirs(cmd);
      const s = new LocalStore(defaultStoreDir(dirs.storeDir));
      const r = await gcStore(s, resolve(dirs.runsDir ?? 'runs'), o);
      process.stdout.write(`${o.dryRun ? 'would free' : 'freed'} ${mib(r.bytesFreed)} (${r.bytesFreed} bytes): ${r.removedActions} action records, ${r.removedTrees} trees, ${r.removedObjects} objects; kept ${r.keptOutputs} outputs referenced by runs\n`);
    });
}

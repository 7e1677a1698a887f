/** `nnunet exec <store> <key>`: run one prepared action, as a cluster job does (the driver submits it). */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { execStoredJob, NnunetError } from '../../engine/index.js';
import { withTerminal } from './run.js';

export function register(program: Command): void {
  program.command('exec')
    .description('run one action that `nnunet run --executor slurm` prepared in the store (what its jobs run)')
    .argument('<store>', 'the store the driver uses (shared filesystem)')
    .argument('<key>', 'action key')
    .action(async (store: string, key: string) => {
      // the key names files in the store: a digest, never a path
      if (!/^[0-9a-f]{64}$/.test(key)) throw new NnunetError('CLI_USAGE', `<key> must be an action key (64 hex digits), got '${key.slice(0, 80)}'`);
      const result = await withTerminal(false, ({ signal, onEvent }) => execStoredJob(resolve(store), key, kinds, { signal, onEvent }));
      if (result.status === 'aborted') throw new NnunetError('RUN_ABORTED', `action ${key} was aborted; its checkpoint stays for the next attempt`);
      if (result.status === 'failed') throw new NnunetError(result.error.code, result.error.message);
      process.stdout.write(`action ${key} ${result.status === 'ran' ? 'ran and is committed' : 'was already in the store'}\n`);
    });
}

/**
 * The `nnunet` program: global options, every registered subcommand, and one place that turns errors
 * into text and exit codes (2: usage or pipeline error, 1: a failed run).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { exitCodeFor, formatError } from './format-error.js';
import { checkFolderOptions } from './folder-options.js';
import { nnunetArgv } from './nnunet-spellings.js';

export function buildProgram(): Command {
  const program = new Command('nnunet')
    .description('Self-configuring medical image segmentation (nnU-Net v2) on a declarative, content-addressed pipeline engine')
    .option('--store <dir>', 'content-addressed store (default: $NNUNET_STORE or ./.nnunet)')
    .option('--runs-dir <dir>', 'where run records go (default: ./runs)')
    .option('--allow-path <dir>', 'let the pipeline file name paths in this folder too (repeatable; default: only its own folder)',
      (v: string, prev: string[] = []) => [...prev, v])
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', checkFolderOptions);
  for (const register of commands) register(program);
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(nnunetArgv(argv));
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed usage or help
      return exitCodeFor(err);
    }
    process.stderr.write(`${formatError(err)}\n`);
    return exitCodeFor(err);
  }
}

const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url) || invoked.endsWith('/bin/nnunet.js')) {
  // `nnunet run ... | head`: the reader is gone, the work is not; keep going without the output instead of crashing
  for (const out of [process.stdout, process.stderr]) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
    });
  }
  process.exit(await main(process.argv));
}

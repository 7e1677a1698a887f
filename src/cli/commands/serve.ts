/** `nnunet serve`: the live dashboard (runs, a run's DAG and curves as it goes, results with a 3D viewer). */
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { int } from '../option-parsers.js';
import { LOCALHOST, startServer } from '../../serve/index.js';
import { globalDirs } from './run.js';

function port(value: string): number {
  const n = int(value);
  if (n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port 0..65535, got '${value}'.`);
  return n;
}

export function register(program: Command): void {
  program.command('serve')
    .description('the dashboard: runs, a live DAG over Server-Sent Events, training curves, results in a 3D viewer')
    .option('--port <n>', 'port (0: any free one)', port, 8080)
    .option('--host <address>', `listen on this address instead of ${LOCALHOST} (other machines can reach it: a token is required)`)
    .action(async (o: { port: number; host?: string }, cmd: Command) => {
      const { storeDir, runsDir = 'runs' } = globalDirs(cmd);
      const server = await startServer({ runsDir: resolve(runsDir), storeDir: storeDir && resolve(storeDir), host: o.host, port: o.port });
      if (server.token) {
        process.stderr.write(`warning: listening on ${o.host}: anyone who can reach this address and has the token can read your runs, `
          + 'their logs and the images they used. The token is required on every request.\n');
      }
      process.stdout.write(`dashboard: ${server.url}${server.token ? `?token=${server.token}` : ''}\n(Ctrl-C stops it)\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

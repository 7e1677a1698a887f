/** `startServer`: the dashboard on a local port (`nnunet serve`, and the browser tests). */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { buildAssets } from './assets.js';
import { NnunetError } from '../engine/index.js';

export interface ServeOptions {
  runsDir: string;
  storeDir?: string;
  /** 127.0.0.1 unless opened up on purpose; any other address requires a token */
  host?: string;
  /** 0: any free port */
  port: number;
}

export interface RunningServer {
  url: string;
  /** set when the server listens beyond this machine */
  token?: string;
  close(): Promise<void>;
}

export const LOCALHOST = '127.0.0.1';

/** Why the server could not listen, as a usage error naming the flag to change. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  if (err.code === 'EADDRINUSE') return new NnunetError('CLI_PORT_IN_USE', `--port ${port}: ${host}:${port} is already in use (another nnunet serve?); choose another --port`, {}, { cause: err });
  if (err.code === 'EACCES') return new NnunetError('CLI_PORT_DENIED', `--port ${port}: not allowed to listen there (ports below 1024 need privileges); choose another --port`, {}, { cause: err });
  if (err.code === 'ENOTFOUND' || err.code === 'EADDRNOTAVAIL' || err.code === 'EAI_AGAIN') {
    return new NnunetError('CLI_BAD_HOST', `--host ${host}: not an address of this machine (${err.code})`, {}, { cause: err });
  }
  return err;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? LOCALHOST;
  const token = host === LOCALHOST ? undefined : randomBytes(24).toString('base64url');
  const app = createApp({ runsDir: opts.runsDir, storeDir: opts.storeDir, assets: await buildAssets() }, { token });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: opts.port }, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, opts.port)));
  });
  const { port } = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`, ...(token ? { token } : {}),
    close: () => new Promise<void>((resolve) => {
      // SSE streams stay open until their run ends: close them too
      (server as unknown as { closeAllConnections?(): void }).closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

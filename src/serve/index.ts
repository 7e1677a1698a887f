/** `startServer`: the dashboard on a local port (`nnunet serve`, and the browser tests). */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { buildAssets } from './assets.js';

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

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? LOCALHOST;
  const token = host === LOCALHOST ? undefined : randomBytes(24).toString('base64url');
  const app = createApp({ runsDir: opts.runsDir, storeDir: opts.storeDir, assets: await buildAssets() }, { token });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: opts.port }, () => resolve(s));
    s.once('error', reject);
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

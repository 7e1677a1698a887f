/**
 * The page scripts, bundled once when the server starts (esbuild, in memory) with uPlot and niivue inside:
 * a served page loads nothing from the internet. niivue is large and only the results viewer needs it, so it is
 * split into a chunk the run page imports when a case is opened.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

export interface Assets {
  /** file name (`run.js`, `chunk-X.js`, `app.css`) -> contents */
  files: Map<string, { body: Uint8Array; type: string }>;
}

export const PAGES = ['runs', 'run', 'compare'] as const;

const clientDir = new URL('./client/', import.meta.url);

export async function buildAssets(): Promise<Assets> {
  const result = await build({
    entryPoints: Object.fromEntries(PAGES.map((p) => [p, new URL(`${p}.ts`, clientDir).pathname])),
    bundle: true, splitting: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true,
    write: false, outdir: '/assets', logLevel: 'silent', legalComments: 'none',
  });
  const files = new Map<string, { body: Uint8Array; type: string }>();
  for (const f of result.outputFiles) files.set(f.path.replace(/^\/assets\//, ''), { body: f.contents, type: 'text/javascript; charset=utf-8' });
  const uplotCss = await readFile(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const appCss = await readFile(new URL('app.css', clientDir), 'utf8');
  files.set('app.css', { body: new TextEncoder().encode(`${uplotCss}\n${appCss}`), type: 'text/css; charset=utf-8' });
  return { files };
}

/**
 * The browser segmentation page (`nnunet export --format web`) for the model a run exported: built once per
 * model digest with writeWebApp into a cache folder, then served as static files. The URL names the run, never
 * a path; a file name must be one the export wrote.
 */
import { createReadStream, rmSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { artifactDir, NnunetError } from '../../engine/index.js';
import { chosenConfigurations, crossValidationScores } from '../../../nodes/predict/model.js';
import { writeWebApp } from '../../web/export.js';
import type { RouteModule, ServeContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { loadRun, runStore } from '../run-data.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.wasm': 'application/wasm', '.bin': 'application/octet-stream',
};
// one build per model digest, then its file list: a second request for the same model waits for the first, and
// a page's many asset requests do not list the folder again
const pages = new Map<string, Promise<{ dir: string; files: Set<string> }>>();

// this server's own page builds: a private folder (mkdtemp is 0700), never a fixed path in a shared /tmp where another
// user could plant a page that would run on the dashboard's origin
let root: Promise<string> | undefined;
function cacheRoot(): Promise<string> {
  root ??= mkdtemp(join(tmpdir(), 'nnunet-serve-web-')).then((dir) => {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return root;
}

async function listFiles(dir: string): Promise<Set<string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return new Set(entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/')));
}

/** When find-best chose an ensemble: the member whose own cross-validation Dice (all_results) is the higher. */
async function bestSingleMember(modelDir: string): Promise<string | undefined> {
  const members = await chosenConfigurations(modelDir);
  if (members.length < 2) return undefined;
  const scores = await crossValidationScores(modelDir);
  return [...members].sort((a, b) => (scores.get(b) ?? -Infinity) - (scores.get(a) ?? -Infinity))[0];
}

/** The page folder for the model a run's export node produced, built on first use. */
async function pageFor(ctx: ServeContext, id: string): Promise<{ dir: string; files: Set<string> }> {
  const src = await loadRun(ctx.runsDir, id);
  if (!src.record) throw new HttpError(404, 'RUN_NOT_FINISHED', `run ${id} has not finished: its model comes when it does`);
  const exported = src.record.nodes.find((n) => n.kind === 'export' && n.outputs && (n.status === 'ran' || n.status === 'cached'));
  if (!exported) throw new HttpError(404, 'NO_MODEL', `run ${id} exported no model (it has no export node that ran)`);
  const storeDir = runStore(src, ctx.storeDir);
  if (!storeDir) throw new HttpError(404, 'NO_STORE', `run ${id} names no store; start the server with --store`);
  const digest = exported.outputs!.digest;
  let page = pages.get(digest);
  if (!page) {
    page = (async () => {
      let model: string;
      try {
        model = await artifactDir(storeDir, digest);
      } catch {
        throw new HttpError(404, 'MODEL_GONE', `the model run ${id} exported is no longer in the store (removed by store gc, or another --store)`);
      }
      const out = join(await cacheRoot(), digest.replace(/[^A-Za-z0-9]/g, '').slice(0, 80));
      try {
        // the page runs one configuration: for an ensemble choice, its member with the better cross-validation Dice
        await writeWebApp(model, out, { configuration: await bestSingleMember(model) });
        return { dir: out, files: await listFiles(out) };
      } catch (err) {
        await rm(out, { recursive: true, force: true });
        // a model the page cannot run (a cascade stage, say) is the model's answer, not the server's failure
        if (err instanceof NnunetError) throw new HttpError(422, err.code, err.message);
        throw err;
      }
    })();
    // a failed build is tried again by the next request
    page.catch(() => pages.delete(digest));
    pages.set(digest, page);
  }
  return page;
}

export const segmentRoutes: RouteModule = (app, ctx) => {
  app.get('/runs/:id/segment', (c) => c.redirect(`/runs/${encodeURIComponent(c.req.param('id'))}/segment/`));
  app.get('/runs/:id/segment/*', async (c) => {
    const { dir, files } = await pageFor(ctx, c.req.param('id'));
    // the raw path, decoded once (Hono's path is partly decoded already); a malformed escape names no file
    const raw = new URL(c.req.url).pathname.split('/').slice(4).join('/');
    let name: string;
    try {
      name = decodeURIComponent(raw) || 'index.html';
    } catch {
      name = raw;
    }
    if (!files.has(name)) throw new HttpError(404, 'NOT_FOUND', `the segmentation page has no file '${name.slice(0, 100)}'`);
    const file = join(dir, name);
    const type = TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
    const size = await stat(file).then((st) => st.size, () => undefined);
    if (size === undefined) throw new HttpError(404, 'NOT_FOUND', `the segmentation page's file '${name.slice(0, 100)}' is gone`);
    return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream, 200, { 'content-type': type, 'content-length': String(size) });
  });
};

/**
 * A finished run's results: Dice per label and fold with dataset.json's label names, model selection and
 * postprocessing (the data of `nnunet report` and of `nnunet run`'s closing summary), the per-case table worst
 * first, and each case's stored NIfTI bytes for the viewer. A case is named by its row number: a URL never
 * carries a path.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { RunNodeRecord } from '../../engine/index.js';
import { isImageFile } from '../../imaging/io/read.js';
import { collectReportData, type ReportData } from '../../report/collect.js';
import { labelNames, modelSelection } from '../../cli/results.js';
import type { RouteModule, ServeContext } from '../context.js';
import { HttpError } from '../http-error.js';
import { loadRun, runStore } from '../run-data.js';
import type { CaseFile, ResultsView } from '../shared/types.js';

const FILES: readonly CaseFile[] = ['image', 'reference', 'prediction'];
// a finished run's results never change; keep the last few read
const cache = new Map<string, ReportData>();
const CACHE_RUNS = 8;

async function reportData(ctx: ServeContext, id: string): Promise<{ data: ReportData; ok: RunNodeRecord[] }> {
  const src = await loadRun(ctx.runsDir, id);
  if (!src.record) throw new HttpError(404, 'RUN_NOT_FINISHED', `run ${id} has not finished: its results come when it does`);
  const storeDir = runStore(src, ctx.storeDir);
  if (!storeDir) throw new HttpError(404, 'NO_STORE', `run ${id} names no store; start the server with --store`);
  const cacheKey = `${storeDir}\n${id}`;
  let data = cache.get(cacheKey);
  if (!data) {
    data = await collectReportData(src.record, storeDir);
    cache.set(cacheKey, data);
    if (cache.size > CACHE_RUNS) cache.delete(cache.keys().next().value!);
  }
  return { data, ok: src.record.nodes.filter((n) => n.status === 'ran' || n.status === 'cached') };
}

function caseFile(row: ReportData['cases'][number], which: CaseFile): string | undefined {
  return which === 'image' ? row.image : which === 'reference' ? row.reference : row.prediction;
}

export const resultsRoutes: RouteModule = (app, ctx) => {
  app.get('/api/runs/:id/results', async (c) => {
    const { data, ok } = await reportData(ctx, c.req.param('id'));
    const view: ResultsView = {
      labelNames: labelNames(data.labels), notes: data.notes, selection: modelSelection(ok, data.labels),
      dice: data.dice.map(({ scope, configuration, fold, labels, foregroundMean, cases }) => ({ scope, configuration, fold, labels, foregroundMean, cases })),
      cases: data.cases.map((r) => ({
        configuration: r.configuration, id: r.id, dice: r.dice, mean: r.mean,
        files: Object.fromEntries(FILES.flatMap((w) => { const f = caseFile(r, w); return f ? [[w, basename(f)]] : []; })),
      })),
    };
    return c.json(view);
  });

  app.get('/api/runs/:id/cases/:row/:which', async (c) => {
    const { data } = await reportData(ctx, c.req.param('id'));
    const row = Number(c.req.param('row'));
    const which = c.req.param('which') as CaseFile;
    if (!/^\d{1,9}$/.test(c.req.param('row')) || row >= data.cases.length) throw new HttpError(404, 'CASE_NOT_FOUND', `no case row '${c.req.param('row').slice(0, 20)}' (the run has ${data.cases.length})`);
    if (!FILES.includes(which)) throw new HttpError(400, 'BAD_CASE_FILE', `'${which.slice(0, 20)}' is not one of ${FILES.join(', ')}`);
    const file = caseFile(data.cases[row], which);
    if (!file) throw new HttpError(404, 'CASE_FILE_MISSING', `case ${data.cases[row].id} has no ${which} file`);
    // the paths come from store files: whatever they name, only an image file is ever sent
    if (!isImageFile(file)) throw new HttpError(403, 'NOT_AN_IMAGE', `the ${which} of case ${data.cases[row].id} is not an image file (${basename(file)})`);
    let size: number;
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a regular file');
      size = st.size;
    } catch {
      throw new HttpError(404, 'CASE_FILE_MISSING', `the ${which} of case ${data.cases[row].id} is gone (${basename(file)})`);
    }
    return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream, 200, {
      'content-type': 'application/octet-stream', 'content-length': String(size), 'cache-control': 'no-cache',
    });
  });
};

/** The runs page (`/`): every run with status, pipeline, duration and headline Dice; and compare (`/compare`). */
import { readRun } from '../../engine/index.js';
import { compareRuns } from '../../tracking/compare.js';
import type { RouteModule } from '../context.js';
import { HttpError } from '../http-error.js';
import { pageHtml } from '../page.js';
import { checkRunId, listRunSummaries } from '../run-data.js';

const MAX_COMPARE = 20;

export const runsRoutes: RouteModule = (app, ctx) => {
  app.get('/', (c) => c.html(pageHtml('runs', 'runs')));
  app.get('/api/runs', async (c) => c.json(await listRunSummaries(ctx.runsDir)));

  app.get('/compare', (c) => c.html(pageHtml('compare runs', 'compare')));
  app.get('/api/compare', async (c) => {
    const ids = (c.req.query('ids') ?? '').split(',').filter(Boolean);
    if (ids.length < 2 || ids.length > MAX_COMPARE) throw new HttpError(400, 'BAD_COMPARE', `compare takes 2 to ${MAX_COMPARE} run ids (ids=a,b,...), got ${ids.length}`);
    const records = [];
    for (const id of ids) {
      try {
        records.push(await readRun(ctx.runsDir, checkRunId(id)));
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw new HttpError(404, 'RUN_NOT_FOUND', `no finished run '${id}' (a run in progress has no record to compare yet)`);
      }
    }
    // readRun also takes prefixes; a URL names runs exactly
    const inexact = records.find((r, i) => r.id !== ids[i]);
    if (inexact) throw new HttpError(404, 'RUN_NOT_FOUND', `no run '${ids[records.indexOf(inexact)]}' (did you mean ${inexact.id}?)`);
    return c.json(compareRuns(records));
  });
};

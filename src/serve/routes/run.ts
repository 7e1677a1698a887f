/**
 * A run (`/runs/:id`): the DAG with each node's status counts, live over Server-Sent Events while the run goes
 * (the events its `nnunet run` appends to runs/<id>/events.jsonl); a node's actions with why they ran and their
 * log tail; training curves per fold.
 */
import { join } from 'node:path';
import { streamSSE } from 'hono/streaming';
import { EVENTS_FILE, LocalStore, logFileName, type RunNodeRecord } from '../../engine/index.js';
import { foldCurves, type FoldCurves } from '../../report/collect.js';
import { nodesFromText } from '../../report/dag.js';
import type { RouteModule } from '../context.js';
import { openIfRegular, processAlive, readEvents } from '../events-file.js';
import { HttpError } from '../http-error.js';
import { pageHtml } from '../page.js';
import { checkRunId, liveActions, loadRun, runStore, runView, type RunSource } from '../run-data.js';
import type { ActionDetail } from '../shared/types.js';

const TAIL_BYTES = 64 << 10;
const TAIL_LINES = 200;
const POLL_FILE_MS = 200;
const DIGEST = /^[0-9a-f]{64}$/;

/** The last lines of a finished action's log file (runs/<id>/logs/), read from its end only. */
async function logTail(file: string): Promise<string[]> {
  const opened = await openIfRegular(file);
  if (!opened) return [];
  const { fh } = opened;
  try {
    const size = opened.st.size;
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (size > len) lines.shift(); // cut mid-line
    return lines.filter((l, i) => l || i < lines.length - 1).slice(-TAIL_LINES);
  } finally {
    await fh.close();
  }
}

async function nodeDetail(src: RunSource, node: string): Promise<ActionDetail[]> {
  if (src.record) {
    const actions = src.record.nodes.filter((n) => n.node === node);
    if (!actions.length) throw new HttpError(404, 'NODE_NOT_FOUND', `run ${src.id} has no action of node '${node.slice(0, 80)}'`);
    return Promise.all(actions.map(async (n) => ({
      id: n.id, node: n.node, kind: n.kind, status: n.status, durationMs: n.durationMs, matrix: n.matrix, key: n.key,
      ...(n.why ? { why: n.why } : {}), ...(n.error ? { error: n.error } : {}),
      log: await logTail(join(src.dir, 'logs', logFileName(n.id))),
    })));
  }
  const kind = nodesFromText(src.live.text).get(node)?.kind;
  if (!kind) throw new HttpError(404, 'NODE_NOT_FOUND', `run ${src.id} has no node '${node.slice(0, 80)}'`);
  return liveActions(src.live).filter((a) => a.node === node).map((a) => ({ ...a, kind, log: src.live.logs.get(a.id) ?? [] }));
}

/** Curves of every train-fold action: from the record, or for a live run from the store and scratch folders. */
async function curves(src: RunSource, storeDir: string | undefined): Promise<{ curves: FoldCurves[]; notes: string[] }> {
  const notes: string[] = [];
  const out: FoldCurves[] = [];
  if (!storeDir) return { curves: out, notes: ['the run names no store; pass --store'] };
  if (src.record) {
    for (const n of src.record.nodes.filter((x) => x.kind === 'train-fold')) {
      const c = await foldCurves(storeDir, n, notes);
      if (c) out.push(c);
    }
    return { curves: out, notes };
  }
  const store = new LocalStore(storeDir);
  const kinds = nodesFromText(src.live.text);
  for (const a of src.live.actions.values()) {
    if (kinds.get(a.node)?.kind !== 'train-fold' || !a.key || !DIGEST.test(a.key)) continue;
    const base: RunNodeRecord = { id: a.id, node: a.node, kind: 'train-fold', status: 'ran', key: a.key, durationMs: a.durationMs,
      outputs: null, metrics: {}, matrix: a.matrix };
    if (a.status === 'running') {
      const c = await foldCurves(storeDir, base, notes, store.scratchDir(a.key));
      if (c) out.push(c);
    } else if (a.status === 'ran' || a.status === 'cached') {
      const rec = await store.readAction(a.key);
      const c = rec && await foldCurves(storeDir, { ...base, outputs: { digest: rec.output }, ...(rec.timings ? { timings: rec.timings } : {}) }, notes);
      if (c) out.push(c);
    }
  }
  return { curves: out, notes };
}

export const runRoutes: RouteModule = (app, ctx) => {
  app.get('/runs/:id', (c) => c.html(pageHtml(`run ${checkRunId(c.req.param('id'))}`, 'run', { run: c.req.param('id') })));
  app.get('/api/runs/:id', async (c) => c.json(runView(await loadRun(ctx.runsDir, c.req.param('id')))));
  app.get('/api/runs/:id/nodes/:node', async (c) => c.json(await nodeDetail(await loadRun(ctx.runsDir, c.req.param('id')), c.req.param('node'))));
  app.get('/api/runs/:id/curves', async (c) => {
    const src = await loadRun(ctx.runsDir, c.req.param('id'));
    return c.json(await curves(src, runStore(src, ctx.storeDir)));
  });

  // the engine's events from byte `from` on, then each new one as the run appends it, until the run ends
  app.get('/api/runs/:id/events', async (c) => {
    const src = await loadRun(ctx.runsDir, c.req.param('id'));
    const raw = c.req.query('from') ?? '0';
    const from = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(from)) throw new HttpError(400, 'BAD_OFFSET', `'from' must be a byte offset, got '${c.req.query('from')}'`);
    const file = join(src.dir, EVENTS_FILE);
    const pid = src.live?.pid;
    return streamSSE(c, async (stream) => {
      let offset = from;
      let closed = false;
      stream.onAbort(() => { closed = true; });
      while (!closed) {
        const read = await readEvents(file, offset);
        offset = read.offset;
        for (const e of read.events) await stream.writeSSE({ event: 'engine', data: JSON.stringify(e) });
        if (read.events.some((e) => e.type === 'run-end')) break;
        if (!read.events.length) {
          if (src.record || !processAlive(pid)) break;
          await stream.sleep(POLL_FILE_MS);
        }
      }
      if (!closed) await stream.writeSSE({ event: 'end', data: '' });
    });
  });
};

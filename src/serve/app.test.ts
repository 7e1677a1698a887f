import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS_FILE } from '../engine/index.js';
import { createApp } from './app.js';

const root = mkdtempSync(join(tmpdir(), 'nnunet-serve-app-'));
const runs = join(root, 'runs');
const assets = { files: new Map([['x.js', { body: new TextEncoder().encode('1'), type: 'text/javascript' }]]) };
afterAll(() => rmSync(root, { recursive: true, force: true }));

// a run in progress whose writer is gone: its events, no run.json
mkdirSync(join(runs, 'r1'), { recursive: true });
writeFileSync(join(runs, 'r1', EVENTS_FILE), [
  { type: 'run-start', runId: 'r1', pipeline: 'toy', text: 'version: 1\nnodes:\n  a: { uses: command }\n  b: { uses: command, needs: [a] }\n', params: {}, store: join(root, 'store'), t: 1, pid: 2 ** 22 + 7 },
  { type: 'action-start', id: 'a', node: 'a', key: 'k', matrix: {}, why: ['never run'], t: 2 },
  { type: 'action-log', id: 'a', message: 'hello', t: 3 },
].map((e) => JSON.stringify(e)).join('\n') + '\n{"type":"action-end"'); // torn last line: ignored
mkdirSync(join(runs, 'not-a-run'));
// a FIFO where a live run's events would be: never opened blocking, so it cannot hang the server
mkdirSync(join(runs, 'fifo'));
execFileSync('mkfifo', [join(runs, 'fifo', EVENTS_FILE)]);
// a run-start line missing its fields: not an event, so not a run (it crashed the view before)
mkdirSync(join(runs, 'badstart'));
writeFileSync(join(runs, 'badstart', EVENTS_FILE), '{"type":"run-start","runId":"badstart"}\n');
// valid JSON that is no run record: named as damaged, never a crash in a route that reads its nodes
mkdirSync(join(runs, 'damaged'));
writeFileSync(join(runs, 'damaged', 'run.json'), '{}');

// `nnunet run pipeline.yaml a`: the run plans only a, so the live DAG shows only a
mkdirSync(join(runs, 'r3'));
writeFileSync(join(runs, 'r3', EVENTS_FILE), `${JSON.stringify({ type: 'run-start', runId: 'r3', pipeline: 'toy',
  text: 'nodes:\n  a: { uses: command }\n  b: { uses: command, needs: [a] }\n', params: {}, store: join(root, 'store'), nodes: ['a'], t: 1, pid: process.pid })}\n`);

// a training run in progress: its curves come from the action's scratch folder, epoch times included
const KEY = 'ab'.repeat(32);
mkdirSync(join(runs, 'r2'));
writeFileSync(join(runs, 'r2', EVENTS_FILE), `${[
  { type: 'run-start', runId: 'r2', pipeline: 'train', text: 'nodes:\n  train: { uses: train-fold }\n', params: {}, store: join(root, 'store'), t: 1, pid: process.pid },
  { type: 'action-start', id: 'train[fold=3]', node: 'train', key: KEY, matrix: { configuration: '2d', fold: 3 }, t: 2 },
].map((e) => JSON.stringify(e)).join('\n')}\n`);
mkdirSync(join(root, 'store', 'scratch', KEY), { recursive: true });
const epoch = (i: number) => ({ epoch: i, train_loss: 1 - i / 10, val_loss: 1, pseudo_dice: [0.5], mean_fg_dice: 0.5, ema_fg_dice: 0.5, lr: 0.01, epoch_time_s: 2 + i });
writeFileSync(join(root, 'store', 'scratch', KEY, 'training_log.json'), JSON.stringify([epoch(0), epoch(1)]));

const local = { headers: { host: '127.0.0.1:8080' } };
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('dashboard API guards', () => {
  const app = createApp({ runsDir: runs, assets });

  it('refuses run ids that are paths, unknown runs, writes and other hosts, with JSON errors', async () => {
    for (const [path, status, code] of [
      ['/api/runs/..%2F..%2Fetc', 400, 'BAD_RUN_ID'], ['/api/runs/.hidden', 400, 'BAD_RUN_ID'], ['/api/runs/nope', 404, 'RUN_NOT_FOUND'],
      ['/api/runs/not-a-run', 404, 'RUN_NOT_FOUND'], ['/api/runs/r1/nodes/zzz', 404, 'NODE_NOT_FOUND'], ['/api/compare?ids=r1', 400, 'BAD_COMPARE'],
      ['/api/runs/r1/events?from=-1', 400, 'BAD_OFFSET'], ['/api/runs/r1/results', 404, 'RUN_NOT_FINISHED'], ['/nothing', 404, 'NOT_FOUND'],
      [`/api/runs/${'a'.repeat(3000)}`, 400, 'URL_TOO_LONG'], ['/api/runs/damaged', 422, 'RUN_DAMAGED'], ['/api/runs/damaged/nodes/a', 422, 'RUN_DAMAGED'],
      ['/api/runs/damaged/results', 422, 'RUN_DAMAGED'],
      ['/api/runs/fifo', 404, 'RUN_NOT_FOUND'], ['/api/runs/badstart', 404, 'RUN_NOT_FOUND'],
    ] as const) {
      const res = await app.request(path, local);
      expect([path, res.status]).toEqual([path, status]);
      expect(await errorOf(res)).toBe(code);
    }
    expect((await (await app.request('/api/runs/damaged', local)).json()).error.message).toContain(`${join(runs, 'damaged', 'run.json')}: not a run record (/: missing required key 'id'`);
    expect((await app.request('/api/runs', local)).status).toBe(200);
    expect((await app.request('/api/runs', { method: 'POST', ...local })).status).toBe(405);
    const rebound = await app.request('/api/runs', { headers: { host: 'attacker.example:8080' } });
    expect([rebound.status, await errorOf(rebound)]).toEqual([403, 'BAD_HOST']);
    expect((await app.request('/api/runs', { headers: { host: 'LOCALHOST:8080' } })).status).toBe(200);
  });

  it('a browser asking for a page gets the error as a page with the way back; the API and scripts get JSON', async () => {
    const page = await app.request('/runs/a%20b', { headers: { ...local.headers, accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('BAD_RUN_ID');
    expect(html).toContain('<a href="/">back to the runs</a>');
    const api = await app.request('/api/runs/zzz', { headers: { ...local.headers, accept: 'text/html' } });
    expect([api.status, await errorOf(api)]).toEqual([404, 'RUN_NOT_FOUND']);
  });

  it('shows a run whose writer died as interrupted, from its events', async () => {
    const summaries = await (await app.request('/api/runs', local)).json() as Array<{ id: string }>;
    // what it was doing stopped with it: not running for ever, and its time frozen at its last event
    expect(summaries.find((r) => r.id === 'r1')).toEqual(expect.objectContaining({ status: 'interrupted', counts: { aborted: 1 } }));
    const view = await (await app.request('/api/runs/r1', local)).json() as { graph: Array<{ name: string; needs: string[] }>; live: boolean };
    expect(view.live).toBe(false);
    expect(view.graph.map((g) => [g.name, g.needs])).toEqual([['a', []], ['b', ['a']]]);
    const targeted = await (await app.request('/api/runs/r3', local)).json() as { graph: Array<{ name: string }> };
    expect(targeted.graph.map((g) => g.name)).toEqual(['a']);
    const detail = await (await app.request('/api/runs/r1/nodes/a', local)).json();
    expect(detail).toEqual([expect.objectContaining({ id: 'a', status: 'aborted', why: ['never run'], log: ['hello'], kind: 'command' })]);
  });

  it('reads the curves of a fold while it trains from its scratch folder', async () => {
    const summaries = await (await app.request('/api/runs', local)).json() as Array<{ id: string; status: string }>;
    expect(summaries.find((r) => r.id === 'r2')?.status).toBe('running');
    const { curves } = await (await app.request('/api/runs/r2/curves', local)).json() as { curves: Array<{ fold: string; configuration: string; log: unknown[]; epochTimes: number[] }> };
    expect(curves.map((c) => [c.configuration, c.fold, c.log.length, c.epochTimes])).toEqual([['2d', '3', 2, [2, 3]]]);
  });

  it('with a token, answers only requests that carry it (query, then the cookie it sets)', async () => {
    const guarded = createApp({ runsDir: runs, assets }, { token: 'secret-token' });
    const open = { headers: { host: 'box.lan:8080' } };
    const denied = await guarded.request('/api/runs', open);
    expect([denied.status, await errorOf(denied)]).toEqual([401, 'TOKEN_REQUIRED']);
    expect((await guarded.request('/api/runs?token=wrong-token!', open)).status).toBe(401);
    // the header form is `Bearer <token>`, not the bare token
    expect((await guarded.request('/api/runs', { headers: { ...open.headers, authorization: 'secret-token' } })).status).toBe(401);
    expect((await guarded.request('/api/runs', { headers: { ...open.headers, authorization: 'Bearer secret-token' } })).status).toBe(200);
    const ok = await guarded.request('/?token=secret-token', open);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toContain('HttpOnly');
    const withCookie = await guarded.request('/assets/x.js', { headers: { ...open.headers, cookie: cookie.split(';')[0] } });
    expect(withCookie.status).toBe(200);
  });
});

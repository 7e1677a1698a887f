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

const local = { headers: { host: '127.0.0.1:8080' } };
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('dashboard API guards', () => {
  const app = createApp({ runsDir: runs, assets });

  it('refuses run ids that are paths, unknown runs, writes and other hosts, with JSON errors', async () => {
    for (const [path, status, code] of [
      ['/api/runs/..%2F..%2Fetc', 400, 'BAD_RUN_ID'], ['/api/runs/.hidden', 400, 'BAD_RUN_ID'], ['/api/runs/nope', 404, 'RUN_NOT_FOUND'],
      ['/api/runs/not-a-run', 404, 'RUN_NOT_FOUND'], ['/api/runs/r1/nodes/zzz', 404, 'NODE_NOT_FOUND'], ['/api/compare?ids=r1', 400, 'BAD_COMPARE'],
      ['/api/runs/r1/events?from=-1', 400, 'BAD_OFFSET'], ['/api/runs/r1/results', 404, 'RUN_NOT_FINISHED'], ['/nothing', 404, 'NOT_FOUND'],
      [`/api/runs/${'a'.repeat(3000)}`, 400, 'URL_TOO_LONG'],
    ] as const) {
      const res = await app.request(path, local);
      expect([path, res.status]).toEqual([path, status]);
      expect(await errorOf(res)).toBe(code);
    }
    expect((await app.request('/api/runs', { method: 'POST', ...local })).status).toBe(405);
    const rebound = await app.request('/api/runs', { headers: { host: 'attacker.example:8080' } });
    expect([rebound.status, await errorOf(rebound)]).toEqual([403, 'BAD_HOST']);
  });

  it('shows a run whose writer died as interrupted, from its events', async () => {
    expect(await (await app.request('/api/runs', local)).json()).toEqual([expect.objectContaining({ id: 'r1', status: 'interrupted', counts: { running: 1 } })]);
    const view = await (await app.request('/api/runs/r1', local)).json() as { graph: Array<{ name: string; needs: string[] }>; live: boolean };
    expect(view.live).toBe(false);
    expect(view.graph.map((g) => [g.name, g.needs])).toEqual([['a', []], ['b', ['a']]]);
    const detail = await (await app.request('/api/runs/r1/nodes/a', local)).json();
    expect(detail).toEqual([expect.objectContaining({ id: 'a', status: 'running', why: ['never run'], log: ['hello'], kind: 'command' })]);
  });

  it('with a token, answers only requests that carry it (query, then the cookie it sets)', async () => {
    const guarded = createApp({ runsDir: runs, assets }, { token: 'secret-token' });
    const open = { headers: { host: 'box.lan:8080' } };
    const denied = await guarded.request('/api/runs', open);
    expect([denied.status, await errorOf(denied)]).toEqual([401, 'TOKEN_REQUIRED']);
    expect((await guarded.request('/api/runs?token=wrong-token!', open)).status).toBe(401);
    const ok = await guarded.request('/?token=secret-token', open);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toContain('HttpOnly');
    const withCookie = await guarded.request('/assets/x.js', { headers: { ...open.headers, cookie: cookie.split(';')[0] } });
    expect(withCookie.status).toBe(200);
  });
});

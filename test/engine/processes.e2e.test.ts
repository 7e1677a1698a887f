import { chmod, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRuns, LocalStore, runPipeline, verifyStore } from '../../src/engine/index.js';
import { makeProject, type Project } from './fixture.js';
import { toyKinds } from './toy-kinds.js';
import { startToy, waitFor } from './spawn-toy.js';

const PIPE = `version: 1
name: procs
nodes:
  a: { uses: slow, with: { value: a, chunks: 8, ms: 60 } }
  b: { uses: slow, with: { value: b, chunks: 8, ms: 60 } }
  c: { uses: concat, needs: [a, b] }
`;

const start = (p: Project, env: Record<string, string> = {}) => startToy(p.pipeline, p.store, p.runs, env);

/** Starts the toy engine process with a call log and waits until action `a` is running. */
async function startUntilRunning(p: Project) {
  const calls = join(p.root, 'calls.log');
  await writeFile(calls, '');
  const proc = start(p, { TOY_CALLS: calls });
  await waitFor(async () => (await readFile(calls, 'utf8')).includes('a'));
  return proc;
}

/**
 * Starts the toy engine process and waits until it runs any action (an earlier killed run may have committed
 * some), or has already finished.
 */
async function startUntilBusy(p: Project) {
  const calls = join(p.root, 'calls.log');
  await writeFile(calls, '');
  const proc = start(p, { TOY_CALLS: calls });
  let exited = false;
  void proc.done.then(() => { exited = true; });
  await waitFor(async () => exited || (await readFile(calls, 'utf8')).trim().length > 0);
  return proc;
}

let p: Project;
beforeEach(async () => { p = await makeProject({}, PIPE); });
afterEach(() => p.cleanup());

describe('engine processes on one store', () => {
  it('SIGKILL mid-write leaves a store that verifies clean, and the next run completes', async () => {
    const { child, done } = await startUntilRunning(p);
    // kill while the slow actions are writing into their temp output folders
    await new Promise((r) => setTimeout(r, 150));
    child.kill('SIGKILL');
    await done;
    const tmp = await readdir(join(p.store, 'tmp')).catch(() => []);
    expect(tmp.length).toBeGreaterThan(0); // the half-written output is there, but only as temp
    const store = new LocalStore(p.store);
    const v = await verifyStore(store);
    expect(v.problems).toEqual([]);
    expect(v.actions).toBe(0);
    const rec = await runPipeline({ pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs, quiet: true });
    expect(rec.status).toBe('succeeded');
    expect(rec.nodes.map((n) => n.status)).toEqual(['ran', 'ran', 'ran']);
    expect((await verifyStore(store)).problems).toEqual([]);
    // the next run cleaned the killed run's temp folders and recorded it as aborted
    expect((await readdir(join(p.store, 'tmp'))).filter((t) => t.startsWith(`${child.pid}-`))).toEqual([]);
    const killed = (await listRuns(p.runs)).filter((r) => r.id !== rec.id);
    expect(killed.map((r) => [r.status, String(r.environment.died)])).toEqual([['aborted', expect.stringContaining(`process ${child.pid} ended without finishing`)]]);
  });

  it('SIGKILL at random points never leaves a damaged store; the last run completes', async () => {
    const store = new LocalStore(p.store);
    for (let i = 0; i < 2; i++) {
      const { child, done } = await startUntilBusy(p);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 500)));
      child.kill('SIGKILL');
      await done;
      expect((await verifyStore(store, { dryRun: true })).problems).toEqual([]);
    }
    const rec = await runPipeline({ pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs, quiet: true });
    expect(rec.status).toBe('succeeded');
    expect((await listRuns(p.runs)).filter((r) => r.status === 'aborted').length).toBeGreaterThanOrEqual(1);
  });

  it('two concurrent runs execute each action once and both succeed', async () => {
    const calls = join(p.root, 'calls.log');
    await writeFile(calls, '');
    const [r1, r2] = await Promise.all([start(p, { TOY_CALLS: calls }).done, start(p, { TOY_CALLS: calls }).done]);
    expect([r1.code, r2.code], r1.out + r2.out).toEqual([0, 0]);
    const executed = (await readFile(calls, 'utf8')).trim().split('\n').map((l) => l.split(' ')[1]).sort();
    expect(executed).toEqual(['a', 'b']);
    const statuses = [JSON.parse(r1.out.trim()), JSON.parse(r2.out.trim())].flatMap((o: { nodes: string[][] }) => o.nodes.filter((n) => n[0] !== 'c'));
    expect(statuses.filter((n) => n[1] === 'ran')).toHaveLength(2);
    expect(statuses.filter((n) => n[1] === 'cached')).toHaveLength(2);
  });

  it('a corrupt object is found by verify and recomputed by the next run', async () => {
    const opts = { pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs, quiet: true };
    const first = await runPipeline(opts);
    const store = new LocalStore(p.store);
    const aOut = first.nodes.find((n) => n.id === 'a')!.outputs!.digest;
    const tree = (await store.readTree(aOut))!;
    const obj = store.objectPath(tree.files[0].digest);
    await chmod(obj, 0o644);
    const size = (await stat(obj)).size;
    await writeFile(obj, 'x'.repeat(size)); // same size: only re-hashing can tell
    const v = await verifyStore(store);
    expect(v.problems.some((x) => x.startsWith(`object ${tree.files[0].digest} is corrupt`))).toBe(true);
    expect(v.problems.some((x) => x.startsWith('action a '))).toBe(true);
    const toy = toyKinds();
    const again = await runPipeline({ ...opts, kinds: toy.kinds });
    expect(toy.calls).toEqual(['a']);
    expect(again.nodes.find((n) => n.id === 'a')!.outputs!.digest).toBe(aOut);
    expect(again.nodes.find((n) => n.id === 'c')!.status).toBe('cached'); // same bytes again: cut off
    expect((await verifyStore(store)).problems).toEqual([]);
  });
});

describe('interrupting a run', () => {
  it('SIGTERM aborts running actions, keeps nothing half-written, and the next run completes', async () => {
    const { child, done } = await startUntilRunning(p);
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out.trim()) as { status: string; nodes: string[][] };
    expect(out.status).toBe('aborted');
    expect(out.nodes).toEqual(expect.arrayContaining([['a', 'aborted'], ['c', 'aborted']]));
    expect(await readdir(join(p.store, 'tmp'))).toEqual([]);
    expect((await verifyStore(new LocalStore(p.store))).actions).toBe(0);
    const again = await start(p).done;
    expect(again.code, again.out).toBe(0);
  });
});

describe('store gc', () => {
  it('keeps outputs of a run still in progress and removes what no run references', async () => {
    const opts = { pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs, quiet: true };
    const store = new LocalStore(p.store);
    const firstRun = await runPipeline(opts);
    await writeFile(p.pipeline, PIPE.replace('value: a,', 'value: a2,'));
    // a second run that has committed `a` but not yet written its run record
    const { gcStore } = await import('../../src/engine/index.js');
    const pending = runPipeline({ ...opts, onEvent: (e) => { if (e.type === 'action-end' && e.id === 'a') void gcStore(store, p.runs).then((r) => { gcDuring = r; }); } });
    let gcDuring: Awaited<ReturnType<typeof gcStore>> | undefined;
    const second = await pending;
    expect(second.status).toBe('succeeded');
    await waitFor(async () => gcDuring !== undefined);
    expect(gcDuring).toMatchObject({ removedActions: 0, removedTrees: 0 });
    expect((await gcStore(store, p.runs)).removedActions).toBe(0); // both runs' records still reference their outputs
    // run ids sort by second only, so two runs within one second are told apart by the id itself
    await rm(join(p.runs, firstRun.id), { recursive: true });
    const after = await gcStore(store, p.runs);
    expect(after).toMatchObject({ removedActions: 2, removedTrees: 2 }); // the old a and c
    expect(after.bytesFreed).toBeGreaterThan(0);
    expect((await verifyStore(store)).problems).toEqual([]);
  });
});

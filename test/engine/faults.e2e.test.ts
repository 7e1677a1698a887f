/**
 * Faults the README's "Reliability" section promises to survive: two runs writing the store's shared state at
 * once, a run killed by SIGKILL, a lock file its writer left empty, damaged run records, temp files of killed
 * writers, a stale record pack, damaged outputs; and read-only commands that must leave records alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeReason, listRuns, LocalStore, runPipeline, sha256, statusPipeline, type RunRecord } from '../../src/engine/index.js';
import { cli } from './cli-harness.js';
import { makeProject, type Project } from './fixture.js';
import { startToy, waitFor } from './spawn-toy.js';
import { toyKinds } from './toy-kinds.js';

let p: Project;
beforeEach(async () => { p = await makeProject(); });
afterEach(() => p.cleanup());

const nn = (...args: string[]) => cli([...args, '--store', p.store, '--runs-dir', p.runs], p.root);
const go = (pipelineFile = p.pipeline, signal?: AbortSignal): Promise<RunRecord> =>
  runPipeline({ pipelineFile, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs, quiet: true, signal });
const node = (r: RunRecord, id: string) => r.nodes.find((n) => n.id === id)!;
const json = async (file: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

/** The pid of a process that has exited (and been reaped): what a killed writer leaves in its file names. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

/** Every file under `dirs` with its bytes, to show a command changed nothing there. */
function snapshot(...dirs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of existsSync(d) ? readdirSync(d, { withFileTypes: true }) : []) {
      const f = join(d, e.name);
      if (e.isDirectory()) walk(f);
      else out[relative(p.root, f)] = readFileSync(f, 'base64');
    }
  };
  dirs.forEach(walk);
  return out;
}

describe('two runs on one store', () => {
  it('merge their entries into the shared state files instead of the last writer dropping the other\'s', async () => {
    const pipe = (x: string): string => `version: 1
name: shared
nodes:
  src${x}: { uses: files, with: { dir: ./data${x} } }
  w${x}: { uses: slow, needs: [src${x}], with: { value: ${x}, chunks: 1, ms: 1 } }
`;
    for (const x of ['A', 'B']) {
      await p.write(`pipeline-${x}.yaml`, pipe(x));
      await p.write(`data${x}/case.txt`, x);
      // older than the stat cache's racy window, so both runs remember their digests
      await utimes(join(p.root, `data${x}`, 'case.txt'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    }
    const calls = join(p.root, 'calls.log');
    const gate = join(p.root, 'gate');
    await writeFile(calls, '');
    const a = startToy(join(p.root, 'pipeline-A.yaml'), p.store, p.runs, { TOY_CALLS: calls, TOY_GATE: gate });
    // A has read the state files and holds in wA; B runs start to finish meanwhile, then A finishes
    await waitFor(async () => (await readFile(calls, 'utf8')).includes('wA'));
    const b = await go(join(p.root, 'pipeline-B.yaml'));
    expect(b.status).toBe('succeeded');
    await writeFile(gate, '');
    const ra = await a.done;
    expect(ra.code, ra.out).toBe(0);
    const runA = (await listRuns(p.runs)).find((r) => r.id !== b.id)!;
    const both = [...runA.nodes, ...b.nodes];

    const state = join(p.store, 'state');
    expect(Object.keys((await json(join(state, 'stat-cache.json'))).entries as object).sort())
      .toEqual([join(p.root, 'dataA', 'case.txt'), join(p.root, 'dataB', 'case.txt')]);
    expect(Object.keys(await json(join(state, `pack-${sha256('shared')}.json`))).sort()).toEqual(both.map((n) => n.key).sort());
    expect(Object.keys(await json(join(p.store, 'last', `${sha256('shared')}.json`))).sort()).toEqual(['srcA', 'srcB', 'wA', 'wB']);
    expect(Object.keys(await json(join(state, 'seals.json'))).sort()).toEqual(both.map((n) => n.outputs!.digest).sort());
  });
});

describe('a run killed by SIGKILL', () => {
  it('is recorded by the next writing command with the actions it finished; read-only commands leave it alone', async () => {
    await writeFile(p.pipeline, `version: 1
name: killed
nodes:
  a: { uses: value, with: { value: 1 } }
  b: { uses: slow, needs: [a], with: { value: b, chunks: 1, ms: 1 } }
`);
    const calls = join(p.root, 'calls.log');
    await writeFile(calls, '');
    const k = startToy(p.pipeline, p.store, p.runs, { TOY_CALLS: calls, TOY_GATE: join(p.root, 'never') });
    await waitFor(async () => (await readFile(calls, 'utf8')).includes(' b'));
    k.child.kill('SIGKILL');
    await k.done;

    const before = snapshot(p.runs, join(p.store, 'actions'));
    expect((await nn('runs', 'ls')).out).toBe('no runs recorded\n');
    expect((await statusPipeline({ pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs })).actions.map((x) => x.state)).toEqual(['fresh', 'stale']);
    expect(snapshot(p.runs, join(p.store, 'actions'))).toEqual(before);

    // gc must not collect what the killed run made: it records that run first
    const gc = await nn('store', 'gc');
    expect(gc.code, gc.err).toBe(0);
    const [dead] = await listRuns(p.runs);
    expect(dead.status).toBe('aborted');
    expect(dead.environment.died).toContain(`process ${k.child.pid} ended without finishing`);
    expect(dead.nodes.map((n) => [n.id, n.status])).toEqual([['a', 'ran']]);
    expect(dead.summary).toEqual({ ran: 1 });
    expect(existsSync(join(p.store, 'artifacts', dead.nodes[0].outputs!.digest))).toBe(true);
    const again = await go();
    expect(again.nodes.map((n) => [n.id, n.status])).toEqual([['a', 'cached'], ['b', 'ran']]);
    expect(node(again, 'a').outputs).toEqual(dead.nodes[0].outputs);
  });
});

describe('locks', () => {
  it('an empty lock file (its writer killed between create and write) is taken over', async () => {
    const first = await go();
    const key = node(first, 'src').key;
    await rm(p.store, { recursive: true });
    const old = new Date(Date.now() - 3_600_000);
    for (const f of [join(p.store, 'locks', `${key}.lock`), join(p.store, 'state', 'seals.json.lock')]) {
      await mkdir(join(f, '..'), { recursive: true });
      await writeFile(f, '');
      await utimes(f, old, old);
    }
    const rec = await go(p.pipeline, AbortSignal.timeout(5_000));
    expect(rec.status).toBe('succeeded');
    expect(node(rec, 'src').status).toBe('ran');
    expect(await readdir(join(p.store, 'locks'))).toEqual([]);
  });
});

describe('store gc', () => {
  it('stops at a damaged run record, naming it, instead of collecting what that run used; --force goes on', async () => {
    const first = await go();
    await p.write('data/a.txt', 'changed');
    await go();
    const file = join(p.runs, first.id, 'run.json');
    await writeFile(file, '{"id": "trunc');
    const store = new LocalStore(p.store);
    const gc = await nn('store', 'gc');
    expect(gc.code).toBe(1);
    expect(gc.err).toContain('[STORE_GC_RUN_DAMAGED]');
    expect(gc.err).toContain(file);
    expect(await store.readAction(node(first, 'up[case=a]').key)).toBeDefined();
    const forced = await nn('store', 'gc', '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(await store.readAction(node(first, 'up[case=a]').key)).toBeUndefined();
    expect((await nn('store', 'verify')).code).toBe(0);
  });

  it('removes the temp files killed writers left beside records and state, and keeps a live writer\'s', async () => {
    const rec = await go();
    const dead = deadPid();
    const key = node(rec, 'all').key;
    const left = [
      join(p.store, 'actions', key.slice(0, 2), `${key}.json.${dead}.0a1b2c3d.tmp`),
      join(p.store, 'trees', `${node(rec, 'all').outputs!.digest}.json.${dead}.0a1b2c3d.tmp`),
      join(p.store, 'state', `seals.json.${dead}.0a1b2c3d.tmp`),
      join(p.store, 'state', `stat-cache.json.${dead}.tmp`),
      join(p.store, 'last', `x.json.${dead}.0a1b2c3d.tmp`),
      join(p.runs, rec.id, `run.json.${dead}.tmp`),
    ];
    const live = join(p.store, 'state', `seals.json.${process.pid}.0a1b2c3d.tmp`);
    for (const f of [...left, live]) await writeFile(f, 'half');
    const gc = await nn('store', 'gc');
    expect(gc.code, gc.err).toBe(0);
    expect(left.filter((f) => existsSync(f))).toEqual([]);
    expect(existsSync(live)).toBe(true);
    expect((await nn('store', 'verify')).code).toBe(0);
  });
});

describe('record pack', () => {
  it.each([
    ['stale: an entry disagrees with its action record', (pack: Record<string, { output: string }>, rec: RunRecord) => {
      pack[node(rec, 'up[case=a]').key].output = node(rec, 'up[case=b]').outputs!.digest;
      return JSON.stringify(pack);
    }],
    ['damaged: not JSON', () => '{"ab'],
  ])('%s: store verify removes it and the next run rebuilds it from the records', async (_name, damage) => {
    const first = await go();
    const file = join(p.store, 'state', `pack-${sha256('toy')}.json`);
    await writeFile(file, damage(await json(file) as Record<string, { output: string }>, first));
    const v = await nn('store', 'verify');
    expect(v.code).toBe(1);
    expect(v.out).toContain(`record pack ${file}`);
    expect(existsSync(file)).toBe(false);
    const again = await go();
    expect(again.nodes.map((n) => [n.id, n.status, n.outputs])).toEqual(first.nodes.map((n) => [n.id, 'cached', n.outputs]));
    expect(Object.keys(await json(file)).sort()).toEqual(first.nodes.map((n) => n.key).sort());
    expect((await nn('store', 'verify')).code).toBe(0);
  });
});

describe('damaged state files', () => {
  it('state files damaged into JSON of another shape are not trusted: the next run is served by the action records', async () => {
    const first = await go();
    const key = node(first, 'up[case=a]').key;
    const state = join(p.store, 'state');
    await writeFile(join(state, `pack-${sha256('toy')}.json`), JSON.stringify({ [key]: { output: 5 } }));
    await writeFile(join(p.store, 'last', `${sha256('toy')}.json`), JSON.stringify({ 'up[case=a]': 5, src: null }));
    await writeFile(join(state, 'seals.json'), JSON.stringify({ [node(first, 'up[case=a]').outputs!.digest]: 5 }));
    await writeFile(join(state, 'stat-cache.json'), JSON.stringify({ version: 1, entries: null }));
    const again = await go();
    expect(again.nodes.map((n) => [n.id, n.status, n.outputs])).toEqual(first.nodes.map((n) => [n.id, 'cached', n.outputs]));
  });
});

describe('damaged outputs and records', () => {
  it('a damaged output is stale for that reason in status and in the run that recomputes it', async () => {
    const first = await go();
    const digest = node(first, 'up[case=b]').outputs!.digest;
    const out = join(p.store, 'artifacts', digest, 'out.txt');
    await chmod(out, 0o644);
    await writeFile(out, 'XX');
    const damaged = { kind: 'damaged', digest, files: ['out.txt'] };
    const st = await statusPipeline({ pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs });
    expect(st.actions.find((a) => a.id === 'up[case=b]')!.reasons).toEqual([damaged]);
    const again = await go();
    expect(node(again, 'up[case=b]')).toMatchObject({ status: 'ran', why: [describeReason(damaged as never)], outputs: { digest } });
    expect(describeReason(damaged as never)).toContain('damaged');
  });

  it('read-only commands never delete or rewrite an action record, even one that does not parse', async () => {
    const rec = await go();
    const key = node(rec, 'up[case=a]').key;
    const file = join(p.store, 'actions', key.slice(0, 2), `${key}.json`);
    await chmod(file, 0o644).catch(() => undefined);
    await writeFile(file, '{"key": "ab');
    await rm(join(p.store, 'state', `pack-${sha256('toy')}.json`)); // so status reads the records themselves
    const before = snapshot(p.runs, join(p.store, 'actions'), join(p.store, 'artifacts'));
    const mtime = statSync(file).mtimeMs;
    const st = await statusPipeline({ pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs });
    expect(st.actions.find((a) => a.id === 'up[case=a]')!.state).toBe('stale');
    for (const args of [['runs', 'ls'], ['runs', 'show', 'latest'], ['runs', 'show', rec.id, '--json'], ['store', 'verify', '--dry-run']]) await nn(...args);
    expect(snapshot(p.runs, join(p.store, 'actions'), join(p.store, 'artifacts'))).toEqual(before);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });
});

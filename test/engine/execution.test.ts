import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execStoredJob, runPipeline, validateRunRecord, type NodeKind, type RunOptions } from '../../src/engine/index.js';
import { compareOutcomes } from '../../src/tracking/reproduce.js';
import { makeProject, type Project } from './fixture.js';
import { toyKinds, type Toy } from './toy-kinds.js';

let p: Project;
let toy: Toy;
beforeEach(async () => { toy = toyKinds(); });
afterEach(() => p.cleanup());

async function setup(pipeline: string): Promise<(extra?: Partial<RunOptions>) => ReturnType<typeof runPipeline>> {
  p = await makeProject({}, pipeline);
  return (extra = {}) => runPipeline({ pipelineFile: p.pipeline, kinds: toy.kinds, storeDir: p.store, runsDir: p.runs, quiet: true, ...extra });
}

describe('failures and aborts', () => {
  const PIPE = `version: 1
name: fail
params: { bad: true }
nodes:
  ok:   { uses: value, with: { value: 1 } }
  bad:  { uses: value, with: { value: 2, fail: \${params.bad} } }
  down: { uses: concat, needs: [bad] }
  side: { uses: concat, needs: [ok] }
`;
  it('a failed action caches nothing, independent branches continue, and the next run picks up', async () => {
    const run = await setup(PIPE);
    const r = await run();
    expect(r.status).toBe('failed');
    expect(Object.fromEntries(r.nodes.map((n) => [n.id, n.status]))).toEqual({ ok: 'ran', bad: 'failed', down: 'skipped', side: 'ran' });
    expect(r.nodes.find((n) => n.id === 'bad')!.error).toEqual({ code: 'TOY_FAILED', message: 'value 2 failed on purpose' });
    expect(r.nodes.find((n) => n.id === 'bad')!.outputs).toBeNull();
    toy.reset();
    const again = await run({ set: { bad: 'false' } });
    expect(again.status).toBe('succeeded');
    expect(toy.calls.sort()).toEqual(['bad', 'down']);
  });

  it('rejects a result that lists an item twice or without a digest, and caches nothing', async () => {
    const run = await setup(`version: 1
nodes:
  bad: { uses: lister, with: { value: 1 } }
`);
    toy.kinds.lister = { ...toy.kinds.value, kind: 'lister', run: async () => ({ items: [{ id: 'a', digest: 'x' }, { id: 'a', digest: 'y' }] }) };
    const r = await run();
    expect(r.nodes[0]).toMatchObject({ status: 'failed', outputs: null, error: { code: 'ACTION_BAD_RESULT', message: "item id 'a' is listed twice" } });
    toy.kinds.lister = { ...toy.kinds.lister, run: async () => ({ items: [{ id: 'a' } as never] }) };
    expect((await run()).nodes[0].error?.code).toBe('ACTION_BAD_RESULT');
  });

  it('fail-fast aborts what is still running', async () => {
    const run = await setup(`version: 1
nodes:
  slow: { uses: value, with: { value: 1, delayMs: 5000 } }
  bad:  { uses: value, with: { value: 2, fail: true, delayMs: 50 } }
`);
    const t0 = Date.now();
    const r = await run({ failFast: true });
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(Object.fromEntries(r.nodes.map((n) => [n.id, n.status]))).toEqual({ slow: 'aborted', bad: 'failed' });
    expect(r.status).toBe('failed');
  });

  it('an aborted run keeps nothing half-written and the next run completes it', async () => {
    const run = await setup(`version: 1
nodes:
  quick: { uses: value, with: { value: 1 } }
  slow:  { uses: value, needs: [quick], with: { value: 2, delayMs: 600 } }
  after: { uses: concat, needs: [slow] }
`);
    const ac = new AbortController();
    const pending = run({ signal: ac.signal, onEvent: (e) => { if (e.type === 'action-start' && e.id === 'slow') setTimeout(() => ac.abort(), 50); } });
    const r = await pending;
    expect(r.status).toBe('aborted');
    expect(Object.fromEntries(r.nodes.map((n) => [n.id, n.status]))).toEqual({ quick: 'ran', slow: 'aborted', after: 'aborted' });
    expect(await readdir(join(p.store, 'tmp'))).toEqual([]);
    toy.reset();
    const again = await run({ set: {} });
    expect(again.status).toBe('succeeded');
    expect(toy.calls).toEqual(['slow', 'after']);
  });
});

describe('action times', () => {
  it('an action aborted while it waited for a slot took no time (its wait is not its work)', async () => {
    const run = await setup(`version: 1
nodes:
  slow: { uses: value, matrix: { v: [1, 2] }, with: { value: "\${matrix.v}", delayMs: 600 } }
`);
    const ac = new AbortController();
    const r = await run({ concurrency: 1, signal: ac.signal, onEvent: (e) => { if (e.type === 'action-start') setTimeout(() => ac.abort(), 300); } });
    const [first, second] = r.nodes;
    expect([first.status, second.status]).toEqual(['aborted', 'aborted']);
    expect(first.durationMs).toBeGreaterThan(200);
    expect(second.durationMs).toBe(0);
  });
});

describe('matrix expansion and instance matching', () => {
  it('feeds instances with equal shared matrix values and gathers the rest', async () => {
    const run = await setup(`version: 1
name: mx
params: { configs: [2d, 3d], folds: [0, 1] }
nodes:
  prep:  { uses: value, matrix: { configuration: \${params.configs} }, with: { value: "prep-\${matrix.configuration}" } }
  train: { uses: concat, needs: [prep], matrix: { configuration: \${params.configs}, fold: \${params.folds} }, with: { sep: "fold-\${matrix.fold}" } }
  best:  { uses: concat, needs: { runs: train } }
`);
    const seen: Record<string, string[]> = {};
    const concat = toy.kinds.concat as NodeKind;
    toy.kinds.concat = { ...concat, run: (ctx) => { seen[ctx.actionId] = Object.values(ctx.inputs).flat().map((a) => a.action); return concat.run(ctx); } };
    const r = await run();
    expect(r.nodes.map((n) => n.id)).toEqual(['prep[configuration=2d]', 'prep[configuration=3d]',
      'train[configuration=2d,fold=0]', 'train[configuration=2d,fold=1]', 'train[configuration=3d,fold=0]', 'train[configuration=3d,fold=1]', 'best']);
    expect(seen['train[configuration=3d,fold=1]']).toEqual(['prep[configuration=3d]']);
    expect(seen.best).toHaveLength(4);
    expect(r.nodes.find((n) => n.id === 'train[configuration=2d,fold=1]')!.matrix).toEqual({ configuration: '2d', fold: 1 });
    toy.reset();
    await run({ set: { folds: '[0, 1, 2]' } });
    expect(toy.calls.sort()).toEqual(['best', 'train[configuration=2d,fold=2]', 'train[configuration=3d,fold=2]']);
  });

  it('runs only the named targets and what they need', async () => {
    const run = await setup(`version: 1
nodes:
  a: { uses: value, with: { value: 1 } }
  b: { uses: concat, needs: [a] }
  c: { uses: value, with: { value: 3 } }
`);
    const r = await run({ targets: ['b'] });
    expect(r.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(r.targets).toEqual(['b']);
  });
});

describe('run records, previous outputs and resources', () => {
  it('writes a schema-valid run.json with environment, logs and metrics', async () => {
    const run = await setup(`version: 1
name: rec
nodes:
  s: { uses: slow, with: { value: x, chunks: 2, ms: 1 } }
`);
    toy.kinds.slow = { ...toy.kinds.slow, run: async (ctx) => { ctx.log('hello from s'); return (toyKinds().kinds.slow.run(ctx)); } };
    const r = await run({ name: 'first', tags: ['t1'], environment: { backend: 'cpu' } });
    const onDisk = JSON.parse(await readFile(join(p.runs, r.id, 'run.json'), 'utf8'));
    expect(validateRunRecord(onDisk)).toEqual([]);
    expect(onDisk).toMatchObject({ id: r.id, status: 'succeeded', name: 'first', tags: ['t1'], metrics: { s: { chunks: 2 } },
      environment: { backend: 'cpu', node: process.version }, pipeline: { name: 'rec' } });
    expect(onDisk.environment.cpus).toBeGreaterThan(0);
    expect(await readFile(join(p.runs, r.id, 'logs', 's.log'), 'utf8')).toBe('hello from s\n');
    expect(validateRunRecord({ ...onDisk, status: 'done' })).toEqual(['/status: must be one of ["succeeded","failed","aborted"]']);
  });

  it('keeps timings in the records, out of the output: runs in two stores give the same digest, a hit keeps the times', async () => {
    const run = await setup(`version: 1
name: timed
nodes:
  t: { uses: timed }
`);
    let tick = 0;
    toy.kinds.timed = {
      kind: 'timed', version: '1', description: 'a deterministic output and a clock reading', params: { type: 'object', properties: {} },
      async run(ctx) {
        await writeFile(join(ctx.outDir, 'result.txt'), 'same bytes');
        return { metrics: { answer: 42 }, timings: { seconds: [++tick] } };
      },
    };
    const first = await run();
    const elsewhere = await run({ storeDir: join(p.store, '..', 'store-2') });
    const [a, b] = [first, elsewhere].map((r) => r.nodes.find((n) => n.id === 't')!);
    expect([a.status, b.status]).toEqual(['ran', 'ran']);
    expect(b.outputs).toEqual(a.outputs);
    expect([a.timings, b.timings]).toEqual([{ seconds: [1] }, { seconds: [2] }]);
    expect(compareOutcomes(first, elsewhere)).toMatchObject({ identical: ['t'], differing: [], metrics: [] });
    const hit = await run();
    expect(hit.nodes[0]).toMatchObject({ status: 'cached', timings: { seconds: [1] } });
    expect(validateRunRecord(JSON.parse(await readFile(join(p.runs, hit.id, 'run.json'), 'utf8')))).toEqual([]);
  });

  it('hands the last output of the same action id as `previous`, and keeps scratch state across failed attempts', async () => {
    const run = await setup(`version: 1
name: warm
params: { v: 1 }
nodes:
  t: { uses: value, with: { value: \${params.v} } }
`);
    const seen: Array<{ previous?: string; resumed: boolean }> = [];
    const value = toy.kinds.value as NodeKind;
    let failOnce = true;
    toy.kinds.value = { ...value, run: async (ctx) => {
      const state = join(ctx.scratchDir, 'epoch.txt');
      seen.push({ previous: ctx.previous?.digest, resumed: existsSync(state) });
      await mkdir(ctx.scratchDir, { recursive: true });
      await writeFile(state, '3');
      if (failOnce) { failOnce = false; throw new Error('killed mid-training'); }
      return value.run(ctx);
    } };
    expect((await run()).status).toBe('failed');
    const first = await run();
    expect(first.status).toBe('succeeded');
    await run({ set: { v: '2' } });
    expect(seen).toEqual([{ resumed: false }, { resumed: true }, { previous: first.nodes[0].outputs!.digest, resumed: false }]);
    expect(await readdir(join(p.store, 'scratch'))).toHaveLength(0);
  });

  it('runs at most one accelerator action at a time', async () => {
    const run = await setup(`version: 1
nodes:
  g1: { uses: gpu, with: { value: 1 } }
  g2: { uses: gpu, with: { value: 2 } }
  g3: { uses: gpu, with: { value: 3 } }
`);
    let active = 0;
    let peak = 0;
    toy.kinds.gpu = { ...toy.kinds.value, kind: 'gpu', resources: { accelerator: true },
      run: async (ctx) => { active++; peak = Math.max(peak, active); await new Promise((r) => setTimeout(r, 30)); active--; return toyKinds().kinds.value.run(ctx); } };
    await run({ concurrency: 4 });
    expect(peak).toBe(1);
  });
});

describe('executor and resources', () => {
  it('never enter an action key: changing them reruns nothing', async () => {
    const run = await setup(`version: 1
name: res
nodes:
  a: { uses: value, with: { value: 1 } }
  b: { uses: concat, needs: [a] }
`);
    expect((await run()).nodes.map((n) => n.status)).toEqual(['ran', 'ran']);
    await p.write('pipeline.yaml', `version: 1
name: res
executor: { kind: local, partition: gpu, default: { mem_gb: 8 } }
nodes:
  a: { uses: value, with: { value: 1 }, resources: { cpus: 4, gpus: 1, time: "1-00:00:00" } }
  b: { uses: concat, needs: [a], resources: { mem_gb: 2.5 } }
`);
    const again = await run();
    expect(again.nodes.map((n) => n.status)).toEqual(['cached', 'cached']);
    expect(again.environment.executor).toBe('local');
  });

  it('a bad resources or executor entry is a pipeline error naming its line', async () => {
    const run = await setup(`version: 1
executor: { kind: pbs }
nodes:
  a: { uses: value, with: { value: 1 }, resources: { cpus: 0, time: "soon" } }
`);
    const err = await run().catch((e: unknown) => e) as { code: string; issues: Array<{ line?: number; message: string }> };
    expect(err.code).toBe('PIPELINE_SCHEMA');
    expect(err.issues.map((i) => i.line).sort()).toEqual([2, 4, 4]);
  });

  it('--dry-run needs a cluster executor', async () => {
    const run = await setup(`version: 1
nodes:
  a: { uses: value, with: { value: 1 } }
`);
    await expect(run({ dryRun: () => undefined })).rejects.toMatchObject({ code: 'DRY_RUN_LOCAL' });
  });
});

describe('nnunet exec', () => {
  it('refuses a key the driver prepared no action for, naming where it looked', async () => {
    p = await makeProject();
    const err = await execStoredJob(p.store, 'ab'.repeat(32), toy.kinds, { signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EXEC_NO_JOB' });
    expect((err as Error).message).toContain(join(p.store, 'scratch', `${'ab'.repeat(32)}.job`));
  });
});

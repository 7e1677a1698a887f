/**
 * A damaged store never serves its bytes (issue 17): bytes flipped or truncated in a stored output (the
 * artifact file and its object are one inode) make the next run recompute that action and `status` call it
 * stale; an object deleted while an artifact holds its bytes is reported by `store verify`.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStore, runPipeline, statusPipeline, verifyStore, type RunRecord } from '../../src/engine/index.js';
import { takeSeal } from '../../src/engine/store/seal.js';
import { cli } from './cli-harness.js';
import { makeProject, type Project } from './fixture.js';
import { toyKinds } from './toy-kinds.js';

let p: Project;
beforeEach(async () => { p = await makeProject(); });
afterEach(() => p.cleanup());

const go = (verify = false): Promise<RunRecord> => runPipeline({ pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs, quiet: true, verify });

/** The one file of the output of action `id`, made writable as a careless user (or root) would. */
async function outputFile(rec: RunRecord, id: string): Promise<string> {
  const digest = rec.nodes.find((n) => n.id === id)!.outputs!.digest;
  const dir = join(p.store, 'artifacts', digest);
  const [name] = await readdir(dir);
  await chmod(join(dir, name), 0o644);
  return join(dir, name);
}

const ran = (r: RunRecord): string[] => r.nodes.filter((n) => n.status === 'ran').map((n) => n.id);

describe('damaged store', () => {
  it.each([
    ['flipped bytes', async (f: string) => { const b = await readFile(f); b[0] ^= 0xff; await writeFile(f, b); }],
    ['truncated', async (f: string) => truncate(f, 0)],
    ['replaced by a same-size file', async (f: string) => { const b = await readFile(f); await rm(f); await writeFile(f, Buffer.alloc(b.length, 0x41)); }],
  ])('%s: status says stale, the run recomputes it and downstream gets the right bytes', async (_name, damage) => {
    const first = await go();
    const file = await outputFile(first, 'up[case=b]');
    const good = await readFile(file);
    await damage(file);
    const status = await statusPipeline({ pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs });
    expect(status.actions.filter((a) => a.state === 'stale').map((a) => a.id)).toContain('up[case=b]');
    const second = await go();
    expect(ran(second)).toEqual(['up[case=b]']); // same bytes again: early cutoff keeps the rest cached
    expect(await readFile(join(p.store, 'artifacts', second.nodes.find((n) => n.id === 'up[case=b]')!.outputs!.digest, 'out.txt'))).toEqual(good);
    expect((await verifyStore(new LocalStore(p.store), { dryRun: true })).problems).toEqual([]);
  });

  it('run --verify re-hashes every hit: damage behind a forged seal is still found', async () => {
    const first = await go();
    const file = await outputFile(first, 'up[case=a]');
    const b = await readFile(file);
    b[0] ^= 0xff;
    await writeFile(file, b);
    // forge the seal (stat facts of the damaged file): the per-hit check alone now passes, --verify does not
    const store = new LocalStore(p.store);
    const digest = first.nodes.find((n) => n.id === 'up[case=a]')!.outputs!.digest;
    store.seals.set(digest, takeSeal(store.artifactPath(digest), (await store.readTree(digest))!));
    await store.seals.save();
    expect(ran(await go())).toEqual([]);
    expect(ran(await go(true))).toEqual(['up[case=a]']);
    expect((await verifyStore(store, { dryRun: true })).problems).toEqual([]);
  });

  it('store verify reports an object deleted while an artifact holds its bytes, and restores it', async () => {
    const first = await go();
    const digest = first.nodes.find((n) => n.id === 'all')!.outputs!.digest;
    const store = new LocalStore(p.store);
    const tree = (await store.readTree(digest))!;
    await rm(store.objectPath(tree.files[0].digest));
    const v = await verifyStore(store);
    expect(v.problems).toEqual([`object ${tree.files[0].digest} is missing (artifact ${digest.slice(0, 12)} still holds its bytes as ${tree.files[0].path})`]);
    expect((await verifyStore(store)).problems).toEqual([]);
  });

  it('a run record damaged into valid JSON is named by runs show, not reported missing', async () => {
    const rec = await go();
    await writeFile(join(p.runs, rec.id, 'run.json'), '{"id": 5}');
    const show = await cli(['--runs-dir', p.runs, 'runs', 'show', rec.id], p.root);
    expect(show.code).toBe(1);
    expect(show.err).toContain(`${rec.id}/run.json`);
    expect(show.err).toContain(`the record of run ${rec.id} is damaged: not a run record (/: missing required key 'status'`);
    expect(show.err).toContain('[RUN_DAMAGED]');
    const ls = await cli(['--runs-dir', p.runs, 'runs', 'ls'], p.root);
    expect(ls.err).toContain(`${rec.id}/run.json: not a readable run record (nnunet runs show ${rec.id} says why)`);
  });

  it('state files damaged into other JSON shapes, a run marker of null and a record replaced by a folder: runs, verify and gc go on', async () => {
    const first = await go();
    const state = async (dir: string) => (await readdir(join(p.store, dir))).filter((f) => f.endsWith('.json')).map((f) => join(p.store, dir, f));
    for (const f of [...await state('last'), ...(await state('state')).filter((x) => x.includes('pack-'))]) await writeFile(f, 'null');
    await mkdir(join(p.runs, 'x1'), { recursive: true });
    await writeFile(join(p.runs, 'x1', 'running.json'), 'null');
    await mkdir(join(p.runs, 'x2'), { recursive: true });
    await writeFile(join(p.runs, 'x2', 'running.json'), JSON.stringify({ host: hostname(), pid: 2 ** 22 + 9, record: {} }));
    const second = await go();
    expect(second.status).toBe('succeeded');
    expect(ran(second)).toEqual([]);
    const key = first.nodes.find((n) => n.id === 'up[case=b]')!.key;
    const record = new LocalStore(p.store).actionPath(key);
    await rm(record);
    await mkdir(record);
    const verify = await cli(['--store', p.store, '--runs-dir', p.runs, 'store', 'verify'], p.root);
    expect(verify.err).not.toContain('[INTERNAL]');
    expect(existsSync(record)).toBe(false);
    const gc = await cli(['--store', p.store, '--runs-dir', p.runs, 'store', 'gc'], p.root);
    expect(gc.err).not.toContain('[INTERNAL]');
    expect(gc.code, gc.err).toBe(0);
  });

  it('an action that writes into its input fails by name, and the input is recomputed rather than served changed', async () => {
    await p.write('tamper.yaml', [
      'version: 1', 'nodes:',
      '  a: { uses: command, with: { run: "echo original > $NNUNET_OUT/a.txt" } }',
      '  b: { uses: command, needs: [a], with: { run: "echo tampered > $NNUNET_INPUT_A/a.txt; cp $NNUNET_INPUT_A/a.txt $NNUNET_OUT/b.txt" } }',
      '', ''].join('\n'));
    const args = ['--store', p.store, '--runs-dir', p.runs, 'run', join(p.root, 'tamper.yaml'), '-q'];
    const first = await cli(args, p.root);
    expect(first.code).toBe(1);
    expect(first.err + first.out).toContain("b changed its input 'a' (a.txt): an action must not write into its inputs");
    expect(first.err + first.out).toContain('[ACTION_CHANGED_INPUT]');
    // a was quarantined: the next run recomputes it (and b fails again, as it should)
    const second = await cli(args, p.root);
    expect(second.out + second.err).toContain('1 ran, 1 failed');
    expect((await verifyStore(new LocalStore(p.store), { dryRun: true })).problems).toEqual([]);
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from './cli-harness.js';
import { makeProject, type Project } from './fixture.js';

const PIPE = `version: 1
name: cmd
params: { greeting: hi }
nodes:
  shout: { uses: command, with: { run: "tr a-z A-Z < data/a.txt > up.txt && echo \${params.greeting}", deps: [data/a.txt], outs: [up.txt] } }
  count: { uses: command, needs: [shout], with: { run: "wc -c < $NNUNET_INPUT_SHOUT/up.txt > $NNUNET_OUT/n.txt" } }
`;

let p: Project;
const nn = (...args: string[]) => cli([...args, '--store', p.store, '--runs-dir', p.runs], p.root);
beforeEach(async () => { p = await makeProject({ 'data/a.txt': 'hello\n' }, PIPE); });
afterEach(() => p.cleanup());

describe('nnunet CLI over the command kind', () => {
  it('a missing input path says where relative paths start', async () => {
    await p.write('missing.yaml', 'version: 1\nname: miss\nnodes:\n  a: { uses: command, with: { run: "true", deps: [data/none.txt] } }\n');
    const r = await nn('run', 'missing.yaml', '-q');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`input path does not exist: ${join(p.root, 'data', 'none.txt')} (relative paths in a pipeline and in its --set values are taken from the pipeline file's folder, ${p.root})`);
  });

  it('runs ls names the pipeline and lists a run still going beside the recorded ones', async () => {
    expect((await nn('run', 'pipeline.yaml', '-q')).code).toBe(0);
    const rec = JSON.parse((await nn('runs', 'show', 'latest', '--json')).out);
    // a run of this very process, started and not yet recorded: its marker, and one journaled action
    const going = join(p.runs, '20991231-000000-abcdef');
    mkdirSync(going);
    writeFileSync(join(going, 'running.json'), JSON.stringify({ pid: process.pid, host: hostname(), record: { ...rec, id: '20991231-000000-abcdef', nodes: [], summary: {} } }));
    writeFileSync(join(going, 'actions.jsonl'), `${JSON.stringify(rec.nodes[0])}\n`);
    const ls = (await nn('runs', 'ls')).out.split('\n');
    expect(ls.find((l) => l.startsWith(rec.id))).toMatch(/succeeded\s+cmd\s+/);
    expect(ls.find((l) => l.startsWith('20991231-000000-abcdef'))).toMatch(/running\s+cmd\s+\S+s\s+1 ran/);
  });

  it('run, rerun from cache, status with reasons, failure exit code', async () => {
    const first = await nn('run', 'pipeline.yaml', '-q');
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^run \S+ succeeded in [\d.]+s: 2 ran\n/);
    const rec = JSON.parse((await nn('runs', 'show', 'latest', '--json')).out);
    expect(rec.environment).toMatchObject({ node: process.version, backend: expect.any(String) });
    expect(rec.nodes.map((n: { id: string; status: string }) => [n.id, n.status])).toEqual([['shout', 'ran'], ['count', 'ran']]);
    const second = await nn('run', 'pipeline.yaml', '-q');
    expect(second.out).toMatch(/succeeded in [\d.]+s: 2 cached/);
    expect((await nn('status', 'pipeline.yaml', '--exit-code')).out).toBe('up to date: 2 action(s) fresh\n');

    await p.write('data/a.txt', 'hello there\n');
    const st = await nn('status', 'pipeline.yaml', '--set', 'greeting=yo');
    expect(st.out.split('\n').slice(0, 5)).toEqual([
      'stale  shout',
      '         param run changed "tr a-z A-Z < data/a.txt > up.txt && echo hi" -> "tr a-z A-Z < data/a.txt > up.txt && echo yo"',
      expect.stringMatching(/^ {9}\/.*\/data\/a\.txt changed [0-9a-f]{10} -> [0-9a-f]{10}$/),
      'stale  count',
      '         upstream not up to date: shout (runs only if their outputs change)',
    ]);
    expect(st.out).toContain('2 stale (1 certain, 1 waiting on upstream), 0 fresh');
    const stale = await nn('status', 'pipeline.yaml', '--exit-code');
    expect([stale.code, stale.err]).toEqual([1, '2 action(s) stale [STATUS_STALE]\n']);
    await p.write('pipeline.yaml', PIPE.replace('wc -c <', 'exit 3; wc -c <'));
    const failed = await nn('run', 'pipeline.yaml', '-q');
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('  failed  count: command exited with 3 [COMMAND_FAILED]');
    expect(failed.err).toMatch(/run \S+ failed \(see above\); finished actions are kept, so the next run picks up where it stopped \[RUN_FAILED\]/);
  });

  it('dag prints text, dot and mermaid', async () => {
    expect((await nn('dag', 'pipeline.yaml')).out).toBe('shout (command)\ncount (command) <- shout\n');
    expect((await nn('dag', 'pipeline.yaml', '--format', 'dot')).out).toContain('"shout" -> "count";');
    expect((await nn('dag', 'pipeline.yaml', '--format', 'mermaid')).out).toContain('shout --> count');
    const bad = await nn('dag', 'pipeline.yaml', '--format', 'svg');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('[CLI_BAD_FORMAT]');
  });

  it('runs ls/show/diff and store verify/gc', async () => {
    await nn('run', 'pipeline.yaml', '-q', '--name', 'one');
    await nn('run', 'pipeline.yaml', '-q', '--set', 'greeting=yo', '--tag', 'second');
    const ls = (await nn('runs', 'ls')).out.trim().split('\n');
    expect(ls).toHaveLength(3);
    expect(ls[1]).toMatch(/succeeded +one +[\d.]+s +2 ran/);
    const show = await nn('runs', 'show', 'latest');
    expect(show.out).toMatch(/^run \S+: succeeded/);
    expect(show.out).toContain('tags second');
    expect(show.out).toContain('why these ran\n  shout: param run changed');
    const diff = await nn('runs', 'diff', 'latest~1', 'latest');
    expect(diff.out).toMatch(/\nparams {2}greeting {2}hi +yo\n/);
    expect(diff.out).toMatch(/\nstatus {2}count {5}ran +cached\n/);
    const verify = await nn('store', 'verify');
    expect(verify.code).toBe(0);
    expect(verify.out).toMatch(/checked \d+ objects, \d+ trees, 3 action records/);
    const keep = await nn('store', 'gc');
    expect(keep.out).toMatch(/^freed 0\.00 MiB \(0 bytes\): 0 action records/);
    await rm(p.runs, { recursive: true });
    const refused = await nn('store', 'gc');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('[STORE_GC_NO_RUNS]');
    const gc = await nn('store', 'gc', '--force');
    expect(gc.out).toMatch(/^freed [\d.]+ MiB \(\d+ bytes\): 3 action records, \d+ trees, \d+ objects; kept 0/);
    expect((await nn('run', 'pipeline.yaml', '-q')).out).toMatch(/2 ran/);
  });

  it('--help works on every engine command', async () => {
    for (const c of [['run'], ['status'], ['dag'], ['watch'], ['runs', 'diff'], ['store', 'gc']]) {
      const r = await cli([...c, '--help']);
      expect(r.code).toBe(0);
    }
  });
});

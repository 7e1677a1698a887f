/**
 * `nnunet watch` as a user runs it (a child process) on a generated nnU-Net raw dataset: a new labelled case,
 * copied file by file (the label written slowly in chunks), triggers one rerun of exactly the stale actions;
 * a YAML edit re-plans and reruns only the edited node. The debounce (1.5 s) is longer than the copy (~0.7 s):
 * a copy that outlasts it starts a run that the next file aborts (then reruns), which is the engine's design.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listRuns, type RunRecord } from '../../src/engine/index.js';
import { writeImage } from '../../src/imaging/index.js';
import { caseVolumes, writeDataset } from '../planning/synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'nnunet-watch-'));
const data = join(root, 'Dataset010_Watch');
const pipeline = join(root, 'pipeline.yaml');
const runs = join(root, 'runs');
const PIPELINE = `version: 1
name: watch
params: { dataset: ${data}, folds: 2 }
nodes:
  dataset: { uses: dataset, with: { path: \${params.dataset} } }
  case_fingerprint: { uses: case-fingerprint, needs: [dataset], foreach: dataset }
  fingerprint: { uses: fingerprint, needs: { cases: case_fingerprint, dataset: dataset } }
  plan: { uses: plan, needs: [fingerprint] }
  split: { uses: split, needs: [dataset], with: { folds: \${params.folds} } }
`;

let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
  }
  rmSync(root, { recursive: true, force: true });
});

const ran = (r: RunRecord) => r.nodes.filter((n) => n.status === 'ran').map((n) => n.id).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('nnunet watch on a dataset folder', () => {
  it('reruns exactly the stale actions for a new case and after a pipeline edit', async () => {
    const shape: [number, number, number] = [10, 12, 14];
    await writeDataset(data, [{ id: 'c1', shape }, { id: 'c2', shape }, { id: 'c3', shape }]);
    writeFileSync(pipeline, PIPELINE);
    let out = '';
    child = spawn(process.execPath, ['bin/nnunet.js', '--store', join(root, 'store'), '--runs-dir', runs, 'watch', pipeline, '--debounce', '1500', '-q'],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
    const records = async (n: number) => { const l = await listRuns(runs); return l.length >= n ? l : undefined; };

    const [first] = await until('the first run', () => records(1));
    expect(first.status).toBe('succeeded');
    expect(ran(first)).toHaveLength(7);
    expect(out).toContain('watching');

    // a new case arrives as a copy: image, then the label in slow chunks, then dataset.json's count
    const { image, label } = caseVolumes(shape, [1, 1, 1], 0, 3);
    await writeImage(join(data, 'imagesTr', 'c4_0000.nii.gz'), image);
    const tmpLabel = join(root, 'c4-label.nii.gz');
    await writeImage(tmpLabel, label);
    const bytes = readFileSync(tmpLabel);
    const fh = await open(join(data, 'labelsTr', 'c4.nii.gz'), 'w');
    for (let i = 0; i < 4; i++) {
      await fh.write(bytes.subarray(Math.floor((i * bytes.length) / 4), Math.floor(((i + 1) * bytes.length) / 4)));
      await sleep(120);
    }
    await fh.close();
    const ds = JSON.parse(readFileSync(join(data, 'dataset.json'), 'utf8'));
    writeFileSync(join(data, 'dataset.json'), JSON.stringify({ ...ds, numTraining: 4 }, null, 4));

    const second = (await until('the rerun for c4', () => records(2)))[1];
    expect(second.status).toBe('succeeded');
    expect(ran(second)).toEqual(['case_fingerprint[case=c4]', 'dataset', 'fingerprint', 'plan', 'split']);
    expect(second.nodes.filter((n) => n.status === 'cached').map((n) => n.id).sort())
      .toEqual(['case_fingerprint[case=c1]', 'case_fingerprint[case=c2]', 'case_fingerprint[case=c3]']);
    await until('the cycle report', () => (out.includes('reran because of it') ? true : undefined));
    expect(out).toMatch(/changed: .*c4/);
    await sleep(2500); // a second rerun for the same copy would have started by now
    expect(await listRuns(runs)).toHaveLength(2);

    // a pipeline edit: only the node whose params changed reruns
    writeFileSync(pipeline, PIPELINE.replace('folds: 2 }', 'folds: 3 }'));
    const third = (await until('the rerun after the edit', () => records(3)))[2];
    expect(ran(third)).toEqual(['split']);
    expect(third.params).toMatchObject({ folds: 3 });

    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child!.once('exit', r));
    expect(code).not.toBeNull();
  });
});

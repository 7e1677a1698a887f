/**
 * The quickstart through a real one-node Slurm cluster (test/slurm/cluster.sh: Debian's slurm-wlm + munge on
 * loopback): every preprocess, train-fold and validate action runs as a job (the job-completion log lists them),
 * the outputs are the same bytes as a local run's, a job cancelled mid-training is resubmitted by the next run
 * and resumes from its checkpoint, and a failing job's Slurm state and log tail reach the user and run.json.
 * Skips, saying why, only where Slurm cannot run (not root, packages missing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/engine/index.js';
import { cli } from '../engine/cli-harness.js';

const CLUSTER = new URL('./cluster.sh', import.meta.url).pathname;
const QUICKSTART = readFileSync(new URL('../../pipelines/quickstart.yaml', import.meta.url), 'utf8');
const SMALL = ['--set', 'cases=5', '--set', 'configurations=[3d_fullres]', '--set', 'folds=[0]', '--set', 'train.epochs=2',
  '--set', 'train.iterations_per_epoch=2', '--set', 'train.val_iterations=1', '-q'];

const started = spawnSync('bash', [CLUSTER, 'start'], { encoding: 'utf8' });
const conf = /SLURM_CONF=(\S+)/.exec(started.stdout)?.[1];
if (started.status === 3) console.warn(`skipping the Slurm tests: ${started.stderr.trim()}`);
else if (started.status !== 0 || !conf) throw new Error(`could not start the test Slurm cluster: ${started.stderr}${started.stdout}`);
if (conf) process.env.SLURM_CONF = conf;
const jobcompLog = conf ? join(conf, '..', 'log', 'jobcomp.log') : '';

afterAll(() => {
  if (conf && !/REUSED/.test(started.stdout)) spawnSync('bash', [CLUSTER, 'stop']);
});

function lastRun(runs: string, out: string): RunRecord {
  const id = /run (\S+) (succeeded|failed|aborted)/.exec(out)?.[1];
  expect(id, out).toBeDefined();
  return JSON.parse(readFileSync(join(runs, id!, 'run.json'), 'utf8')) as RunRecord;
}

const digests = (r: RunRecord): Record<string, string | undefined> => Object.fromEntries(r.nodes.map((n) => [n.id, n.outputs?.digest]));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Job name -> final states, from the job-completion log (no accounting database on the test cluster). */
function completedJobs(): Array<{ name: string; state: string }> {
  return readFileSync(jobcompLog, 'utf8').split('\n').filter(Boolean).map((l) => ({
    name: /Name=(\S+)/.exec(l)?.[1] ?? '', state: /JobState=(\S+)/.exec(l)?.[1] ?? '',
  }));
}

/** Once a train job has reported progress, cancels it as a time limit or an admin would (SIGTERM, then kill). */
async function cancelTrainingMidway(store: string): Promise<string> {
  for (let i = 0; i < 1200; i++) {
    const scratch = join(store, 'scratch');
    for (const d of existsSync(scratch) ? readdirSync(scratch).filter((x) => x.endsWith('.job')) : []) {
      const action = join(scratch, d, 'action.json');
      const progress = join(scratch, d, 'progress.json');
      if (!existsSync(action) || !existsSync(progress) || !String(JSON.parse(readFileSync(action, 'utf8')).actionId).startsWith('train[')) continue;
      const q = spawnSync('squeue', ['-h', '-o', '%i|%j|%T'], { encoding: 'utf8' }).stdout;
      const job = q.split('\n').map((l) => l.split('|')).find(([, name, state]) => name?.startsWith('nnunet:train[') && state === 'RUNNING');
      if (job) {
        spawnSync('scancel', [job[0]]);
        return job[0];
      }
    }
    await sleep(250);
  }
  throw new Error('no train job reported progress');
}

describe.skipIf(!conf)('nnunet run --executor slurm', () => {
  it('runs the quickstart as Slurm jobs with a local run\'s bytes, and a cancelled training resumes', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnunet-slurm-'));
    // the pipeline file's executor block sets the poll interval; the kind comes from --executor
    writeFileSync(join(dir, 'quickstart.yaml'), `${QUICKSTART}\nexecutor: { kind: local, poll_s: 0.5 }\n`);
    const runs = join(dir, 'runs');
    const args = (store: string, executor: string): string[] => ['--store', join(dir, store), '--runs-dir', runs, 'run', 'quickstart.yaml', 'validate', ...SMALL, '--executor', executor];

    const local = await cli(args('local-store', 'local'), dir);
    expect(local.code, local.out + local.err).toBe(0);
    const reference = lastRun(runs, local.out);

    const before = completedJobs().length;
    const [interrupted, cancelled] = await Promise.all([cli(args('shared-store', 'slurm'), dir), cancelTrainingMidway(join(dir, 'shared-store'))]);
    expect(interrupted.code, interrupted.out + interrupted.err).toBe(1);
    const r1 = lastRun(runs, interrupted.out);
    expect(r1.environment.executor).toBe('slurm');
    const train1 = r1.nodes.find((n) => n.kind === 'train-fold')!;
    expect(train1.status).toBe('failed');
    // the user reads the job's Slurm state and the tail of its log, on stderr and in run.json
    expect(train1.error!.message).toMatch(new RegExp(`^Slurm job ${cancelled} CANCELLED`));
    expect(train1.error!.message).toMatch(/last lines of .*slurm-\d+\.log:\n.*\[train\[configuration=3d_fullres,fold=0\]\]/);
    expect(interrupted.err).toContain(`Slurm job ${cancelled} CANCELLED`);

    const resumed = await cli(args('shared-store', 'slurm'), dir);
    expect(resumed.code, resumed.out + resumed.err).toBe(0);
    const r2 = lastRun(runs, resumed.out);
    expect(r2.nodes.filter((n) => n.status === 'ran').map((n) => n.kind).sort()).toEqual(['train-fold', 'validate']);
    const trainLog = readFileSync(join(runs, r2.id, 'logs', 'train[configuration=3d_fullres,fold=0].log'), 'utf8');
    expect(trainLog).toMatch(/resuming from .*checkpoint/);
    // the same bytes as the local run, whichever executor made them and with a cancelled job on the way
    expect(digests(r2)).toEqual(digests(reference));

    const jobs = completedJobs().slice(before);
    const heavy = reference.nodes.filter((n) => ['preprocess', 'train-fold', 'validate'].includes(n.kind)).map((n) => n.id);
    expect(heavy.length).toBe(7);
    for (const id of heavy) expect(jobs.filter((j) => j.name === `nnunet:${id}` && j.state === 'COMPLETED'), id).toHaveLength(1);
    expect(jobs.filter((j) => j.name === 'nnunet:train[configuration=3d_fullres,fold=0]').map((j) => j.state)).toEqual(['CANCELLED', 'COMPLETED']);
    // light kinds stay in the driver
    expect(jobs.some((j) => /nnunet:(dataset|split|plan|phantoms|preprocess_settings)/.test(j.name))).toBe(false);
  });

  it('a failing job shows its Slurm state and log tail; --dry-run prints the script and submits nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnunet-slurm-fail-'));
    writeFileSync(join(dir, 'p.yaml'), [
      'version: 1', 'name: broken', 'executor: { kind: slurm, poll_s: 0.5, default: { mem_gb: 0.5 } }', 'nodes:',
      '  boom: { uses: command, resources: { cpus: 1, time: "5" }, with: { run: "echo reading data.csv; echo \'data.csv: no such file\' >&2; exit 3" } }', '',
    ].join('\n'));
    const before = completedJobs().length;
    const dry = await cli(['--store', join(dir, 'dry-store'), '--runs-dir', join(dir, 'runs'), 'run', 'p.yaml', '--dry-run'], dir);
    expect(dry.code, dry.out + dry.err).toBe(0);
    expect(dry.out).toContain('#SBATCH --job-name=nnunet:boom');
    expect(dry.out).toContain('#SBATCH --mem=512M');
    expect(dry.out).toContain('#SBATCH --time=5');
    expect(dry.out).toMatch(/exec .*bin\/nnunet\.js exec .*dry-store [0-9a-f]{64}/);
    expect(dry.out).toContain('dry run: 1 job(s) not submitted');

    const r = await cli(['--store', join(dir, 'store'), '--runs-dir', join(dir, 'runs'), 'run', 'p.yaml', '-q'], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/failed boom: Slurm job \d+ FAILED \(exit 1:0, node localhost, reason NonZeroExitCode\): command exited with 3/);
    expect(r.err).toContain('data.csv: no such file');
    const rec = lastRun(join(dir, 'runs'), r.out);
    expect(rec.nodes[0].error!.code).toBe('SLURM_JOB_FAILED');
    expect(rec.nodes[0].error!.message).toContain('data.csv: no such file');
    expect(completedJobs().slice(before).map((j) => `${j.name} ${j.state}`)).toEqual(['nnunet:boom FAILED']);
  });

  it('follows a job squeue leaves out (scontrol still knows it) to its end, and names an unknown partition with the known ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnunet-slurm-quiet-'));
    // an squeue that answers with a warning and no jobs, as one can during maintenance
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'squeue'), '#!/bin/sh\necho "squeue: warning: this cluster is under maintenance"\n', { mode: 0o755 });
    writeFileSync(join(dir, 'p.yaml'), [
      'version: 1', 'name: quiet', 'executor: { kind: slurm, poll_s: 0.5, default: { mem_gb: 0.5 } }', 'nodes:',
      '  slow: { uses: command, resources: { cpus: 1, time: "5" }, with: { run: "sleep 3; echo done > out.txt", outs: [out.txt] } }', '',
    ].join('\n'));
    const path = process.env.PATH;
    process.env.PATH = `${join(dir, 'bin')}:${path}`;
    try {
      const r = await cli(['--store', join(dir, 'store'), '--runs-dir', join(dir, 'runs'), 'run', 'p.yaml', '-q'], dir);
      expect(r.code, r.out + r.err).toBe(0);
      expect(lastRun(join(dir, 'runs'), r.out).nodes[0].status).toBe('ran');
    } finally {
      process.env.PATH = path;
    }
    writeFileSync(join(dir, 'q.yaml'), readFileSync(join(dir, 'p.yaml'), 'utf8').replace('poll_s: 0.5,', 'poll_s: 0.5, partition: nosuch,').replace('name: quiet', 'name: nopart').replace('sleep 3', 'sleep 1'));
    const bad = await cli(['--store', join(dir, 'store'), '--runs-dir', join(dir, 'runs'), 'run', 'q.yaml', '-q'], dir);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/executor\.partition 'nosuch': Slurm has no such partition \(it has: \S+/);
  });
});

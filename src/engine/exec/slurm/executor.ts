import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { AbortedError } from '../../errors.js';
import { jobResources, type Executor, type ExecutorConfig } from '../executor.js';
import { jobOf } from '../job.js';
import { JobFiles } from '../job-files.js';
import type { Outcome } from '../outcome.js';
import type { PreparedAction } from '../prepare.js';
import type { Progress } from '../../types.js';
import { failOutcome, lookupCached, useRecord, type ExecEnv } from '../run-action.js';
import { accountedJob, partitionSize, queueStates, sbatch, scancel, showJob, type PartitionSize } from './cli.js';
import { sbatchScript } from './script.js';

type SlurmConfig = Extract<ExecutorConfig, { kind: 'slurm' }>;

export interface SlurmOptions {
  /** argv that starts `nnunet` on a cluster node; `exec <store> <key>` is appended */
  command: readonly string[];
  /** print the scripts instead of submitting them */
  dryRun?: (actionId: string, script: string) => void;
}

// States in which a job may still start, run or finish writing (squeue --states=all lists ended ones too).
const LIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'RESV_DEL_HOLD', 'STOPPED']);
const LOG_TAIL = 20;

interface Tracked {
  readonly jobId: string;
  readonly files: JobFiles;
  running: boolean;
  progress: string;
  done(state: string | undefined): void;
  onRunning(): void;
  onProgress(p: Progress): void;
  log(message: string): void;
}

/** How long squeue may keep failing before the driver gives up on its jobs (cancelling them if Slurm answers). */
const UNREACHABLE_MS = 15 * 60_000;

function tail(file: string, n: number): string[] {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n);
  } catch {
    return [];
  }
}

/**
 * One sbatch job per action that is not light, running `nnunet exec <store> <key>`; the store is the only
 * thing shared with the job. One poller asks squeue about every job of the run at once, reads their progress
 * files into the same events as local actions, and on the run's abort cancels them.
 */
export class SlurmExecutor implements Executor {
  readonly name = 'slurm';
  private readonly jobs = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private size: Promise<PartitionSize> | undefined;
  private polling = false;
  /** since when squeue has failed without a success in between, and how often */
  private failing: { since: number; count: number } | undefined;

  constructor(private readonly cfg: SlurmConfig, private readonly opts: SlurmOptions) {}

  private script(env: ExecEnv, a: PreparedAction, files: JobFiles, size: PartitionSize): string {
    return sbatchScript({
      actionId: a.spec.id, size, partition: this.cfg.partition, account: this.cfg.account, sbatchArgs: this.cfg.sbatch_args,
      resources: jobResources(a.spec.node.kind, a.params, this.cfg.default, a.spec.node.resources),
      log: files.logPattern, cwd: process.cwd(), command: [...this.opts.command, 'exec', env.store.root, a.key],
    });
  }

  async execute(env: ExecEnv, a: PreparedAction, o: Outcome): Promise<void> {
    const signal = env.signalFor(a);
    const started = Date.now();
    const files = new JobFiles(env.store, a.key);
    try {
      this.size ??= partitionSize(this.cfg.partition);
      const script = this.script(env, a, files, await this.size);
      if (this.opts.dryRun) {
        this.opts.dryRun(a.spec.id, script);
        o.status = 'skipped';
        o.error = { code: 'DRY_RUN', message: 'dry run: not submitted' };
        return;
      }
      await env.store.writeAtomic(files.action, JSON.stringify(jobOf(a, env.last.get(a.spec.id)?.output)));
      await env.store.writeAtomic(files.script, script);
      // what an earlier attempt left must not be read as this job's
      for (const f of [files.result, files.progress]) await rm(f, { force: true });
      if (signal.aborted) throw new AbortedError();
      const id = await sbatch(files.script);
      o.log.push(`slurm job ${id}: ${files.log(id)}`);
      env.emit({ type: 'action-wait', id: a.spec.id, reason: `Slurm job ${id} submitted` });
      const onAbort = (): void => void scancel([id]);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      const state = await new Promise<string | undefined>((resolve) => {
        this.jobs.set(id, {
          jobId: id, files, running: false, progress: '', done: resolve,
          onRunning: () => env.emit({ type: 'action-start', id: a.spec.id, node: a.spec.node.name, key: a.key, matrix: a.spec.matrix, ...(o.why ? { why: o.why } : {}) }),
          onProgress: (p) => env.emit({ type: 'action-progress', id: a.spec.id, progress: p }),
          log: (message) => env.emit({ type: 'action-log', id: a.spec.id, message }),
        });
        this.schedule();
      });
      signal.removeEventListener('abort', onAbort);
      o.log.push(...tail(files.log(id), 200));
      await this.finish(env, a, o, files, id, state, signal);
    } catch (err) {
      failOutcome(o, err, signal);
    } finally {
      o.durationMs = Date.now() - started;
    }
  }

  /** What the ended job left: the committed record, else its Slurm state and log tail as the failure. */
  private async finish(env: ExecEnv, a: PreparedAction, o: Outcome, files: JobFiles, jobId: string, state: string | undefined, signal: AbortSignal): Promise<void> {
    const result = files.readResult();
    if (result?.status === 'ran' || result?.status === 'cached') {
      const rec = await lookupCached(env.store, a.key);
      if (rec) {
        useRecord(env, a, o, rec);
        o.status = result.status;
        // its log lines are in the run record now; a failed job's files stay for the user to read
        await rm(files.dir, { recursive: true, force: true });
        return;
      }
    }
    const info = (await showJob(jobId)) ?? (await accountedJob(jobId));
    const finalState = info?.JobState ?? state ?? 'GONE';
    // the driver stops following this job: it must not go on to run unwatched
    if (LIVE.has(finalState)) await scancel([jobId]);
    const where = [info?.ExitCode ? `exit ${info.ExitCode}` : '', info?.NodeList && info.NodeList !== '(null)' ? `node ${info.NodeList}` : '',
      info?.Reason && info.Reason !== 'None' ? `reason ${info.Reason}` : ''].filter(Boolean).join(', ');
    const why = result && 'error' in result ? `: ${result.error.message}` : '';
    const logTail = tail(files.log(jobId), LOG_TAIL);
    const message = `Slurm job ${jobId} ${finalState}${where ? ` (${where})` : ''}${why}`
      + (logTail.length ? `\nlast lines of ${files.log(jobId)}:\n${logTail.map((l) => `  ${l}`).join('\n')}` : `\nno log at ${files.log(jobId)}`);
    if (signal.aborted) {
      o.status = 'aborted';
      o.error = { code: 'ABORTED', message };
      return;
    }
    o.status = 'failed';
    o.error = { code: `SLURM_JOB_${finalState}`, message };
  }

  private schedule(): void {
    if (this.timer || this.jobs.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll().finally(() => this.schedule());
    }, (this.cfg.poll_s ?? 2) * 1000);
  }

  /** One squeue for all jobs; progress files of running ones become progress events. */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      let states: Map<string, string>;
      try {
        states = await queueStates([...this.jobs.keys()]);
        this.failing = undefined;
      } catch (err) {
        this.unanswered(err);
        return;
      }
      for (const t of [...this.jobs.values()]) {
        let state = states.get(t.jobId);
        // squeue's output can leave a job out (a warning line, a busy controller): ask about that one job
        if (state === undefined && t.files.readResult() === undefined) state = (await showJob(t.jobId))?.JobState;
        if (state && LIVE.has(state)) {
          if (state === 'RUNNING' && !t.running) {
            t.running = true;
            t.onRunning();
          }
          const p = t.running ? t.files.readProgress() : undefined;
          const text = p ? JSON.stringify(p) : '';
          if (p && text !== t.progress) {
            t.progress = text;
            t.onProgress(p);
          }
          continue;
        }
        this.jobs.delete(t.jobId);
        t.done(state);
      }
    } finally {
      this.polling = false;
    }
  }

  /**
   * squeue failed (slurmctld restarting, or gone): say so, finish the jobs that wrote their result meanwhile, and
   * after UNREACHABLE_MS give up on the others instead of waiting without end.
   */
  private unanswered(err: unknown): void {
    const now = Date.now();
    this.failing = { since: this.failing?.since ?? now, count: (this.failing?.count ?? 0) + 1 };
    const { since, count } = this.failing;
    const message = err instanceof Error ? err.message : String(err);
    const givingUp = now - since >= UNREACHABLE_MS;
    for (const t of [...this.jobs.values()]) {
      const finished = t.files.readResult() !== undefined;
      if (count === 1 || count % 10 === 0 || givingUp) {
        t.log(`squeue has failed ${count} time(s) in ${Math.round((now - since) / 1000)} s: ${message}`
          + (givingUp || finished ? '' : `; waiting up to ${UNREACHABLE_MS / 60_000} min for Slurm to answer`));
      }
      if (finished || givingUp) {
        this.jobs.delete(t.jobId);
        t.done(finished ? undefined : 'UNREACHABLE');
      }
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const left = [...this.jobs.keys()];
    await scancel(left);
    for (const t of this.jobs.values()) t.done(undefined);
    this.jobs.clear();
  }
}

/** `nnunet run <pipeline> [nodes...]`: execute what is stale, reuse what is cached, record the run. */
import { relative, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { eventLogObserver, NnunetError, PipelineError, runPipeline, type EngineObserver, type RunOptions, type RunRecord } from '../../engine/index.js';
import { backendInfo, describeBackend } from '../../nn/backend.js';
import { createProgress, failureHeadline } from '../progress.js';
import { writeRunReport } from '../../report/index.js';
import { resultsSummary } from '../results.js';
import { positiveInt } from '../option-parsers.js';

/** Global options every engine command reads. */
export function globalDirs(cmd: Command): { storeDir?: string; runsDir?: string; allowPaths?: string[] } {
  const o = cmd.optsWithGlobals() as { store?: string; runsDir?: string; allowPath?: string[] };
  return { storeDir: o.store, runsDir: o.runsDir, ...(o.allowPath ? { allowPaths: o.allowPath } : {}) };
}

/** `--set a.b=c` (repeatable) as a map. */
export function collectSet(value: string, prev: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new PipelineError('CLI_BAD_SET', `--set expects key=value, got '${value}'`);
  return { ...prev, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** The compute backend, when a node of this run chose one in this process (training nodes report theirs too). */
function computeEnvironment(): Record<string, unknown> {
  const b = backendInfo();
  return b ? { backend: describeBackend(b), nativeKernels: b.kernels ?? [], ...(b.gpu ? { gpuAdapter: b.gpu } : {}) } : { backend: 'not initialised in the engine process' };
}

const collectList = (v: string, prev: string[] = []): string[] => [...prev, v];

/** `--executor local|slurm`, shared by run and watch. */
export const executorOption = (): Option => new Option('--executor <kind>', "where actions run (default: the pipeline's executor:, else local)").choices(['local', 'slurm']);

/** What a cluster job runs: this very nnunet (its node and checkout), so driver and jobs share the code. */
export function clusterOptions(executor: 'local' | 'slurm' | undefined): Pick<RunOptions, 'executor' | 'jobCommand'> {
  return { executor, jobCommand: [process.execPath, fileURLToPath(new URL('../../../bin/nnunet.js', import.meta.url))] };
}

/**
 * An AbortController tied to Ctrl-C / SIGTERM / SIGHUP (a closed ssh session: cluster jobs are cancelled, not left
 * running unwatched); a second signal exits at once.
 */
export function interruptController(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write(`\n${sig}: aborting running actions (again to exit now)\n`);
    ac.abort();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  return { signal: ac.signal, dispose: () => { for (const s of signals) process.off(s, onSignal); } };
}

/**
 * What a terminal command wraps around engine work: Ctrl-C / SIGTERM abort it, and live progress is drawn
 * unless quiet. Commands that build their own pipeline (plan, preprocess, train, reproduce) use it too.
 */
export async function withTerminal<T>(quiet: boolean | undefined,
  work: (io: { signal: AbortSignal; onEvent: EngineObserver; stopProgress(): void }) => Promise<T>): Promise<T> {
  const interrupt = interruptController();
  const progress = createProgress(quiet);
  try {
    return await work({ signal: interrupt.signal, onEvent: progress.observer, stopProgress: () => progress.stop() });
  } finally {
    progress.stop();
    interrupt.dispose();
  }
}

/** runPipeline as a terminal command runs it, with the compute backend recorded and its events logged for `nnunet serve`. */
export function runInteractive(opts: RunOptions): Promise<RunRecord> {
  return withTerminal(opts.quiet, ({ signal, onEvent }) => {
    const recorded = recordedRun(opts.runsDir, onEvent);
    return runPipeline({ environment: recorded.environment, ...opts, signal, onEvent: recorded.onEvent });
  });
}

/** What every run a terminal command starts records besides its outputs: the compute backend and the event log `nnunet serve` follows. */
export function recordedRun(runsDir: string | undefined, onEvent: EngineObserver): { environment: () => Record<string, unknown>; onEvent: EngineObserver } {
  const logEvent = eventLogObserver(runsDir ?? 'runs');
  return { environment: computeEnvironment, onEvent: (e) => { onEvent(e); logEvent(e); } };
}

export function summarize(rec: RunRecord, runsDir: string): string {
  const s = rec.summary ?? {};
  const counts = (['ran', 'cached', 'failed', 'aborted', 'skipped'] as const).filter((k) => s[k]).map((k) => `${s[k]} ${k}`).join(', ');
  const lines = [`run ${rec.id} ${rec.status} in ${(rec.durationMs / 1000).toFixed(1)}s: ${counts || 'nothing to do'}`];
  for (const n of rec.nodes.filter((x) => x.status === 'failed')) lines.push(`  failed  ${n.id}: ${failureHeadline(n.error?.message)} [${n.error?.code ?? ''}]`);
  const skipped = rec.nodes.filter((x) => x.status === 'skipped').length;
  if (skipped) lines.push(`  ${skipped} action(s) skipped because an upstream action failed`);
  lines.push(`  record: ${relative(process.cwd(), join(runsDir, rec.id, 'run.json'))}`);
  return lines.join('\n');
}

/** nnU-Net results and the HTML report after a run; a problem here never fails the run itself. */
async function printResults(rec: RunRecord, dirs: { storeDir?: string; runsDir?: string }): Promise<void> {
  try {
    const report = await writeRunReport(rec, dirs);
    process.stdout.write(`  report: ${relative(process.cwd(), report)}\n`);
  } catch (err) {
    process.stderr.write(`warning: could not write the run report: ${(err as Error).message}\n`);
  }
  const lines = await resultsSummary(rec, dirs.storeDir);
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  if (rec.summary && !rec.summary.ran && !rec.summary.failed && rec.status === 'succeeded') {
    process.stdout.write('Nothing was stale: every action came from the store.\n');
  }
}

export function register(program: Command): void {
  program.command('run')
    .description('run a pipeline: only what is stale executes, everything else comes from the store')
    .argument('<pipeline>', 'pipeline YAML file')
    .argument('[nodes...]', 'only these nodes and what they need')
    .option('--set <key=value>', 'override a param (repeatable), e.g. --set train.epochs=5', collectSet)
    .option('--fail-fast', 'stop everything at the first failed action')
    .option('--verify', 're-hash every cached output before using it (default: compare size, mtime, ctime and inode)')
    .option('-j, --jobs <n>', 'actions running at once (default: CPU count)', positiveInt)
    .option('--name <name>', 'name recorded in the run record')
    .option('--tag <tag>', 'tag recorded in the run record (repeatable)', collectList)
    .option('-q, --quiet', 'no live progress')
    .addOption(executorOption())
    .option('--dry-run', 'cluster executor: print the job scripts of the actions that are ready instead of submitting them (light actions still run, since job keys need their outputs); writes no run record')
    .action(async (pipeline: string, nodes: string[], opts: { set?: Record<string, string>; failFast?: boolean; jobs?: number; name?: string; tag?: string[]; quiet?: boolean; verify?: boolean; executor?: 'local' | 'slurm'; dryRun?: boolean }, cmd: Command) => {
      const dirs = globalDirs(cmd);
      const dryRun = opts.dryRun ? (id: string, script: string): void => void process.stdout.write(`# ${id}\n${script}\n`) : undefined;
      const rec = await runInteractive({
        pipelineFile: pipeline, kinds, set: opts.set, targets: nodes.length ? nodes : undefined, ...dirs,
        concurrency: opts.jobs, failFast: opts.failFast, verify: opts.verify, name: opts.name, tags: opts.tag, quiet: opts.quiet,
        ...clusterOptions(opts.executor), dryRun,
      });
      if (dryRun) {
        const counts = rec.summary ?? {};
        process.stdout.write(`dry run: ${rec.nodes.filter((n) => n.error?.code === 'DRY_RUN').length} job(s) not submitted, ${counts.ran ?? 0} light action(s) ran, ${counts.cached ?? 0} cached\n`);
        return;
      }
      process.stdout.write(`${summarize(rec, dirs.runsDir ?? 'runs')}\n`);
      await printResults(rec, dirs);
      if (rec.status === 'aborted') throw new NnunetError('RUN_ABORTED', `run ${rec.id} was aborted`);
      if (rec.status === 'failed') throw new NnunetError('RUN_FAILED', `run ${rec.id} failed (see above); finished actions are kept, so the next run picks up where it stopped`);
    });
}

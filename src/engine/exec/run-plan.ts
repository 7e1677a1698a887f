import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { PGraph } from 'p-graph';
import { NnunetError } from '../errors.js';
import { fsError } from '../fs-errors.js';
import type { EngineObserver } from '../events.js';
import type { Plan } from '../pipeline/plan.js';
import { LocalStore } from '../store/local-store.js';
import type { Item } from '../types.js';
import { machineEnvironment, gitState } from '../runs/environment.js';
import { metricsOf, newRunId, nodeRecord, summaryOf, writeRunRecord, type RunRecord } from '../runs/record.js';
import { expandNode, type ActionSpec } from './expand.js';
import { Limiter } from './limiter.js';
import { usable, type Outcome } from './outcome.js';
import { forEachBounded } from './pool.js';
import { ExternalDigests, prepareAction, type PreparedAction } from './prepare.js';
import { applyRecord, lookupCached, type ExecEnv } from './run-action.js';
import { localExecutor, type Executor, type ExecutorConfig } from './executor.js';
import { SlurmExecutor } from './slurm/executor.js';
import { whyStale } from './why.js';
import { markRunning, recordDeadRuns } from '../runs/in-progress.js';
import { removeDeadTemps } from '../store/maintenance.js';
import { describeReason } from '../hash/explain.js';

export interface ExecOptions {
  storeDir?: string;
  runsDir?: string;
  signal?: AbortSignal;
  concurrency?: number;
  failFast?: boolean;
  /** re-hash every cached output before using it, instead of comparing its stat facts */
  verify?: boolean;
  name?: string;
  tags?: string[];
  targets?: string[];
  /** extra facts for run.json (compute backend...); a function is asked when the run ends, after nodes chose */
  environment?: Record<string, unknown> | (() => Record<string, unknown>);
  onEvent?: EngineObserver;
  /** `--executor`: overrides the kind of the pipeline file's `executor:` (default local) */
  executor?: ExecutorConfig['kind'];
  /** argv that starts `nnunet` on a cluster node (the CLI passes its own); `exec <store> <key>` is appended */
  jobCommand?: readonly string[];
  /** cluster executors: hand each ready action's job script here instead of submitting it; no run record is written */
  dryRun?: (actionId: string, script: string) => void;
  /** watch mode: an extra signal per action, so it can abort just the actions whose inputs changed */
  actionSignal?(info: { id: string; node: string; external: string[]; item?: Item }): AbortSignal | undefined;
  /** watch mode: every prepared action's external paths, cached ones too (their change invalidates what runs below) */
  onExternals?(node: string, external: string[]): void;
}

export function defaultStoreDir(storeDir?: string): string {
  return resolve(storeDir ?? process.env.NNUNET_STORE ?? '.nnunet');
}

// Cache look-ups are file reads: enough in flight to hide latency, few enough to stay under fd limits.
const LOOKUP_WIDTH = 64;

export interface PlanRunResult {
  record: RunRecord;
  /** every external path an action declared: what watch mode watches */
  externalPaths: string[];
}

/** The executor of a run: the pipeline's `executor:`, its kind overridden by `--executor`. */
function makeExecutor(plan: Plan, opts: ExecOptions): Executor {
  const kind = opts.executor ?? plan.executor?.kind ?? 'local';
  if (kind === 'local') {
    if (opts.dryRun) throw new NnunetError('DRY_RUN_LOCAL', '--dry-run prints cluster job scripts; choose a cluster executor (--executor slurm)');
    return localExecutor;
  }
  if (!opts.jobCommand?.length) throw new NnunetError('SLURM_NO_COMMAND', 'the slurm executor needs the command that starts nnunet on a cluster node');
  const cfg = plan.executor?.kind === 'slurm' ? plan.executor : { kind };
  return new SlurmExecutor(cfg, { command: opts.jobCommand, dryRun: opts.dryRun });
}

/**
 * Executes a validated plan: node-level dependency order via p-graph; actions run by the executor (light
 * kinds always in this process), throttled locally by resource class.
 */
export async function runPlan(plan: Plan, opts: ExecOptions): Promise<PlanRunResult> {
  const startedAt = new Date();
  const id = newRunId(startedAt);
  const store = new LocalStore(defaultStoreDir(opts.storeDir));
  const executor = makeExecutor(plan, opts);
  store.verifyHits = opts.verify === true;
  const emit: EngineObserver = opts.onEvent ?? (() => undefined);
  const runCtl = new AbortController();
  // every queued action listens on the run's signal: many listeners are expected, not a leak
  setMaxListeners(0, runCtl.signal);
  const outer = opts.signal;
  const onOuterAbort = (): void => runCtl.abort(outer?.reason);
  if (outer?.aborted) runCtl.abort(outer.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const externals = new ExternalDigests(store);
  const externalPaths = new Set<string>();
  const last = store.lastIndex(plan.name);
  const pack = store.recordPack(plan.name);
  const env: ExecEnv = {
    store, last, pack, emit,
    limiter: new Limiter(Math.max(1, opts.concurrency ?? availableParallelism())),
    signalFor(a: PreparedAction) {
      const extra = opts.actionSignal?.({ id: a.spec.id, node: a.spec.node.name, external: Object.keys(a.external), item: a.spec.item });
      return extra ? AbortSignal.any([runCtl.signal, extra]) : runCtl.signal;
    },
  };
  const git = gitState(plan.dir); // the pipeline's project; in parallel with the run, as it spawns git twice
  const runsDir = resolve(opts.runsDir ?? 'runs');
  const baseRecord = (): Omit<RunRecord, 'status' | 'nodes' | 'durationMs' | 'metrics'> => ({
    id, params: plan.params,
    pipeline: { ...(plan.file ? { file: resolve(plan.file) } : {}), name: plan.name, digest: plan.yaml.digest, text: plan.yaml.text },
    startedAt: startedAt.toISOString(), environment: { ...machineEnvironment(), store: store.root },
    ...(opts.name ? { name: opts.name } : {}), ...(opts.tags?.length ? { tags: opts.tags } : {}), ...(opts.targets?.length ? { targets: opts.targets } : {}),
  });
  // before any action: a store or runs folder that cannot be written fails now, and a killed run is found later
  store.probeWritable();
  const running = await markRunning(runsDir, { ...baseRecord(), status: 'aborted', nodes: [], metrics: {}, durationMs: 0 });
  await recordDeadRuns(runsDir, `run ${id}`);
  await removeDeadTemps(store);
  emit({ type: 'run-start', runId: id, pipeline: plan.name, text: plan.yaml.text, params: plan.params, store: store.root, nodes: [...plan.order],
    ...(plan.file ? { file: resolve(plan.file) } : {}) });
  const byNode = new Map<string, Outcome[]>();

  const process1 = async (spec: ActionSpec, o: Outcome): Promise<void> => {
    if (spec.blocked) {
      o.status = spec.blocked.upstream ? (runCtl.signal.aborted ? 'aborted' : 'skipped') : 'failed';
      o.error = { code: spec.blocked.code, message: spec.blocked.message };
    } else if (runCtl.signal.aborted) {
      o.status = 'aborted';
    } else {
      try {
        const a = await prepareAction(plan, spec, externals);
        Object.keys(a.external).forEach((p) => externalPaths.add(p));
        opts.onExternals?.(spec.node.name, Object.keys(a.external));
        o.key = a.key;
        o.parts = a.parts;
        const hit = await lookupCached(store, a.key, pack);
        if (hit) {
          applyRecord(o, hit);
          pack.use(a.key, hit);
          last.set(spec.id, { key: a.key, output: hit.output });
        } else {
          o.why = (await whyStale(store, last, a)).map(describeReason);
          // light kinds are bookkeeping: a job's start-up would cost more than the work
          await (spec.node.kind.resources?.light ? localExecutor : executor).execute(env, a, o);
        }
      } catch (err) {
        o.status = 'failed';
        const known = err instanceof NnunetError ? err : fsError(err);
        o.error = known ? { code: known.code, message: known.message } : { code: 'ACTION_FAILED', message: String(err) };
      }
    }
    // cache hits are not journaled (see RunJournal)
    if (o.status === 'ran' || o.status === 'failed') running.journal.add(nodeRecord(o));
    emit({ type: 'action-end', id: o.id, node: o.node, kind: o.kind, key: o.key, matrix: o.matrix, status: o.status, durationMs: o.durationMs, ...(o.error ? { error: o.error } : {}) });
    if (o.status === 'failed' && opts.failFast) runCtl.abort(new Error('fail-fast'));
  };

  const runNode = async (name: string): Promise<void> => {
    const node = plan.nodes.get(name)!;
    const upstream = new Map(node.needs.map((n) => [n.node, byNode.get(n.node) ?? []]));
    const specs = expandNode(node, upstream, usable);
    const outs = specs.map((s): Outcome => ({
      id: s.id, node: name, kind: node.kind.kind, matrix: s.matrix, item: s.item, itemSource: s.itemSource,
      status: 'skipped', key: '', durationMs: 0, items: [], metrics: {}, log: [],
    }));
    byNode.set(name, outs);
    await forEachBounded(specs, LOOKUP_WIDTH, (s, i) => process1(s, outs[i]));
  };

  const deps: Array<[string, string]> = [];
  for (const name of plan.order) {
    for (const n of plan.nodes.get(name)!.needs) deps.push([n.node, name]);
  }
  try {
    await new PGraph(Object.fromEntries(plan.order.map((n) => [n, { run: () => runNode(n) }])), deps).run();
  } catch (err) {
    // p-graph gathers its tasks' errors into one message; the first is the cause, with its code and path
    throw (err as { taskErrors?: unknown[] }).taskErrors?.[0] ?? err;
  } finally {
    await executor.close();
  }
  outer?.removeEventListener('abort', onOuterAbort);
  // the store's indexes speed up and explain later runs; the outputs are committed already. A full disk here still
  // gets the run its record (the runs folder may be elsewhere), and the run then fails naming the file
  let stateError: unknown;
  for (const save of [() => store.statCache.save(), () => store.seals.save(), () => last.save(), () => (runCtl.signal.aborted ? undefined : pack.save())]) {
    try {
      await save();
    } catch (err) {
      stateError ??= err;
    }
  }

  // independent nodes may run in any order; the record lists actions in pipeline order
  const all = plan.order.flatMap((n) => byNode.get(n) ?? []);
  const summary = summaryOf(all.map((o) => o.status));
  const status: RunRecord['status'] = summary.failed ? 'failed' : outer?.aborted || summary.aborted ? 'aborted' : 'succeeded';
  const metrics = metricsOf(all);
  const gitFacts = await git;
  const base = baseRecord();
  const record: RunRecord = {
    ...base, status, nodes: all.map(nodeRecord), metrics, durationMs: Date.now() - startedAt.getTime(),
    environment: { ...base.environment, executor: executor.name, ...(typeof opts.environment === 'function' ? opts.environment() : opts.environment) },
    ...(gitFacts ? { git: gitFacts } : {}), summary,
  };
  if (!opts.dryRun) await writeRunRecord(runsDir, record, all);
  await running.finished();
  emit({ type: 'run-end', runId: id, status });
  if (stateError) throw stateError;
  return { record, externalPaths: [...externalPaths] };
}

/** The engine's public surface: the only import path nodes/ and src/cli use. */
import { buildPlan } from './pipeline/plan.js';
import { runPlan, defaultStoreDir, type ExecOptions } from './exec/run-plan.js';
import { statusPlan, type StatusReport } from './exec/status.js';
import { LocalStore } from './store/local-store.js';
import type { KindRegistry } from './types.js';
import type { RunRecord } from './runs/record.js';

export * from './types.js';
export * from './errors.js';
export { fsError } from './fs-errors.js';
export type { EngineEvent, EngineObserver } from './events.js';
export type { RunRecord, RunNodeRecord } from './runs/record.js';
export type { StatusReport, ActionState } from './exec/status.js';
export type { StaleReason } from './hash/explain.js';
export { describeReason } from './hash/explain.js';
export { canonicalJson } from './hash/canonical-json.js';
export { sha256, digestJson, hashFile, type Digest } from './hash/digest.js';
export { buildPlan, needRefs, type Plan, type PlannedNode, type RawNeeds } from './pipeline/plan.js';
export { runPlan, defaultStoreDir, type ExecOptions } from './exec/run-plan.js';
export { statusPlan } from './exec/status.js';
export { execStoredJob } from './exec/exec-job.js';
export type { ExecutorConfig } from './exec/executor.js';

export interface RunOptions extends Omit<ExecOptions, 'targets'> {
  /** path to YAML; or */
  pipelineFile?: string;
  /** YAML text (with pipelineFile used for messages/relative paths if given) */
  pipelineText?: string;
  kinds: KindRegistry;
  /** --set a.b=c overrides of the params block (values parsed as YAML scalars) */
  set?: Record<string, string>;
  /** only these nodes and what they need */
  targets?: string[];
  /** no live progress (the CLI decides; the engine itself never draws) */
  quiet?: boolean;
}

/** Runs a pipeline. Rejects only for pipeline errors; failed actions give `record.status === 'failed'`. */
export async function runPipeline(opts: RunOptions): Promise<RunRecord> {
  const plan = await buildPlan(opts);
  return (await runPlan(plan, opts)).record;
}

/** What `run` would do now: each action fresh or stale, with reasons. */
export async function statusPipeline(opts: RunOptions): Promise<StatusReport> {
  return statusPlan(await buildPlan(opts), opts);
}

/** Readable directory of a committed artifact (rebuilt from objects if its materialised copy is gone). */
export function artifactDir(storeDir: string, digest: string): Promise<string> {
  return new LocalStore(defaultStoreDir(storeDir)).artifactDir(digest);
}
export { listRuns, readRun, readRunFile, scanRuns, diffRuns, flatten, type DiffRow } from './runs/history.js';
export { validateRunRecord, logFileName } from './runs/record.js';
export { verifyStore, gcStore, type VerifyReport, type GcReport } from './store/maintenance.js';
export { LocalStore } from './store/local-store.js';
export type { Store } from './store/store.js';
export { watchPipeline, shortPath, type WatchOptions, type WatchCycle } from './watch.js';
export { eventLogObserver, EVENTS_FILE, type LoggedEvent } from './runs/event-log.js';
export { runsInProgress } from './runs/in-progress.js';

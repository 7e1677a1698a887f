import type { Progress } from './types.js';
import type { ActionStatus } from './exec/outcome.js';

/** What the engine tells observers (live progress, watch mode, tests) while a run goes. */
export type EngineEvent =
  | {
    type: 'run-start'; runId: string; pipeline: string;
    /** what a live view needs before the record exists: the pipeline text (its DAG), params and the store */
    text: string; params: Record<string, unknown>; store: string; file?: string;
    /** the nodes this run plans, in dependency order: a targeted run's targets and what they need, not the whole file */
    nodes?: string[];
  }
  /** `why`: the reasons the action was not cached, as `nnunet status` words them */
  | { type: 'action-start'; id: string; node: string; key: string; matrix: Record<string, unknown>; why?: string[] }
  | { type: 'action-wait'; id: string; reason: string }
  | { type: 'action-progress'; id: string; progress: Progress }
  | { type: 'action-log'; id: string; message: string }
  | { type: 'action-end'; id: string; node: string; kind: string; key: string; matrix: Record<string, unknown>; status: ActionStatus; durationMs: number; error?: { code: string; message: string } }
  | { type: 'run-end'; runId: string; status: 'succeeded' | 'failed' | 'aborted' };

export type EngineObserver = (event: EngineEvent) => void;

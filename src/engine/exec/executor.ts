import type { JobResources, NodeKind } from '../types.js';
import type { Outcome } from './outcome.js';
import type { PreparedAction } from './prepare.js';
import { executeAction, type ExecEnv } from './run-action.js';

export type { JobResources } from '../types.js';

/** `executor:` of a pipeline file (schemas/pipeline.schema.json); `--executor` overrides its kind. */
export type ExecutorConfig =
  | { kind: 'local' }
  | { kind: 'slurm'; partition?: string; account?: string; default?: JobResources; sbatch_args?: string[]; poll_s?: number };

/**
 * Where an action that is not cached executes. The action key, the output and the record never depend on
 * it: every executor ends in the same runJob (in this process or in `nnunet exec` on a cluster node).
 */
export interface Executor {
  readonly name: string;
  /** runs one action that was not cached and fills `o` */
  execute(env: ExecEnv, a: PreparedAction, o: Outcome): Promise<void>;
  /** the run is over: nothing of this executor's may outlive it */
  close(): Promise<void>;
}

export const localExecutor: Executor = { name: 'local', execute: executeAction, close: async () => undefined };

/** A kind's job defaults, then the pipeline's executor default under them, the node's own over both. */
export function jobResources(kind: NodeKind, params: unknown, general: JobResources | undefined, node: JobResources | undefined): JobResources {
  const own = kind.resources?.job;
  const fromKind = typeof own === 'function' ? own(params) : own;
  return { ...general, ...fromKind, ...node };
}

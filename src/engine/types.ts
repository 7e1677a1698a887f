/**
 * The contract between the generic engine and node kinds (nodes/<kind>/index.ts).
 * The engine knows nothing about images: a node kind reads its inputs from directories,
 * writes its outputs into `outDir`, and may list `items` that downstream nodes fan out over.
 */
import type { AnySchema } from 'ajv';

export type Scalar = string | number | boolean;
export type Json = Scalar | null | Json[] | { [key: string]: Json };

/** One entry an action lists for downstream fan-out (e.g. a dataset case). */
export interface Item {
  /** stable identifier, used in expanded action ids: preprocess[case=<id>] */
  id: string;
  /** content digest of everything this item stands for: it alone enters downstream per-item action keys */
  digest: string;
  /** small JSON the per-item action needs (file paths, ...) */
  data?: Json;
}

/** A committed upstream output, materialised read-only on disk. */
export interface InputArtifact {
  /** expanded action id of the producer */
  action: string;
  /** pipeline node name of the producer */
  node: string;
  /** Merkle digest of the output tree */
  digest: string;
  /** read-only directory holding the output tree */
  dir: string;
  matrix: Record<string, Scalar>;
  item?: Item;
  items: Item[];
  metrics: Record<string, Json>;
}

export interface Progress {
  done: number;
  total: number;
  /** short status text: 'epoch 3/10' */
  message?: string;
  /** live figures shown next to the bar: { loss: 0.41, dice: 0.83 } */
  metrics?: Record<string, number>;
}

export interface Logger {
  (message: string): void;
}

export interface ActionContext<P> {
  /** params with defaults applied, validated against the kind's schema */
  params: P;
  /** inputs by need name; one entry per upstream action that feeds this one */
  inputs: Record<string, InputArtifact[]>;
  /** the single input of a need (throws if there is not exactly one) */
  input(name: string): InputArtifact;
  /** the fan-out item this action handles, when the node maps over an upstream's items */
  item?: Item;
  /** matrix values of this action */
  matrix: Record<string, Scalar>;
  /** empty directory to write the output tree into; ingested after run() resolves */
  outDir: string;
  /**
   * Persistent per-action-key directory for resumable state (checkpoints): a failed or killed attempt's
   * state is there for the next attempt with the same key. Create it when needed (mkdir -p); removed after commit.
   */
  scratchDir: string;
  /** the last committed output of this same action id (any key), for warm starts */
  previous?: { digest: string; dir: string };
  /** digests of the external paths declared by `externalInputs`, by path */
  external: Record<string, string>;
  signal: AbortSignal;
  /**
   * Content digest of a file (or Merkle digest of a folder) through the engine's stat cache, so a kind that
   * lists thousands of items does not re-read unchanged files. Always set by the engine; optional for test doubles.
   */
  hashPath?(path: string): Promise<string>;
  progress(p: Progress): void;
  log: Logger;
  /** expanded action id, for messages */
  actionId: string;
}

export interface ActionResult {
  /** scalar or small JSON figures recorded in the action record and run record (e.g. dice per label) */
  metrics?: Record<string, Json>;
  /**
   * Wall-clock figures (epoch durations...): kept in the action and run records, never in the output tree and
   * never compared by `reproduce`, so timing noise cannot make two otherwise identical outputs differ.
   */
  timings?: Record<string, Json>;
  /** items downstream nodes may fan out over */
  items?: Item[];
  /** what one item is called in expanded action ids, e.g. 'case' -> preprocess[case=hippocampus_001]; default 'item' */
  itemLabel?: string;
}

/** What one action asks a cluster for (pipeline `resources:`, `executor.default`, a kind's `resources.job`). */
export interface JobResources {
  cpus?: number;
  mem_gb?: number;
  /** granted only where the partition has GPUs (`--gres=gpu:N`) */
  gpus?: number;
  /** Slurm time limit: minutes, H:MM:SS or D-HH:MM:SS */
  time?: string;
}

export interface KindResources<P> {
  /** local executor: at most one action holding the accelerator at a time */
  accelerator?: boolean;
  /** local executor: CPU slots the action takes */
  cpus?: number;
  /** bookkeeping that runs in the driver process under a cluster executor, never as a job */
  light?: boolean;
  /** a cluster job's defaults for this kind (under the node's `resources:`) */
  job?: JobResources | ((params: P) => JobResources);
}

export interface NodeKind<P = any> {
  kind: string;
  /** bump whenever output bytes may change: invalidates cached outputs of this kind */
  version: string;
  description: string;
  /** JSON Schema of `with:` params; defaults are applied before hashing */
  params: AnySchema;
  resources?: KindResources<P>;
  /**
   * External files/folders the action reads (e.g. a dataset folder given as a param). The engine digests them
   * (with its stat cache) into the action key and hands the digests in `ctx.external`.
   */
  externalInputs?(params: P): string[];
  /**
   * The need names this kind reads (`needs: { <input>: <node> }`, or a list of nodes named so). When declared, a
   * pipeline whose node names another input, or lacks a required one, is refused at load time, not mid-run.
   */
  inputs?: Readonly<Record<string, KindInput>>;
  /**
   * Default need name this kind fans out over (one action per item of that need's producer).
   * A pipeline node may override it with `foreach:`.
   */
  foreach?: string;
  run(ctx: ActionContext<P>): Promise<ActionResult | void>;
}

export interface KindInput {
  /** what the kind takes from it, for error messages */
  description: string;
  /** refused when missing; inputs that some params make unnecessary are not required */
  required?: boolean;
}

/** Registry of node kinds handed to the engine (nodes/index.ts builds it; the engine never imports nodes/). */
export type KindRegistry = Record<string, NodeKind>;

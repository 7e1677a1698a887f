/** What the dashboard's JSON API answers; shared by the server and the page scripts (type-only). */

export type ActionState = 'waiting' | 'running' | 'ran' | 'cached' | 'failed' | 'aborted' | 'skipped';

export interface ActionView {
  id: string;
  node: string;
  status: ActionState;
  durationMs: number;
  matrix: Record<string, unknown>;
  key?: string;
  /** why it was not cached, as `nnunet status` says it */
  why?: string[];
  error?: { code: string; message: string };
  /** the last progress report of a running action */
  progress?: { done: number; total: number; message?: string };
  /** when it started (ms since the epoch), for a running action's elapsed time */
  startedAt?: number;
}

export interface GraphNode {
  name: string;
  kind: string;
  needs: string[];
  layer: number;
}

export type RunStatus = 'running' | 'interrupted' | 'succeeded' | 'failed' | 'aborted';

export interface RunSummary {
  id: string;
  name?: string;
  status: RunStatus;
  pipeline: string;
  startedAt: string;
  durationMs: number;
  counts: Record<string, number>;
  /** best cross-validation mean foreground Dice and its configuration; find-best's choice when there is one */
  headline?: { configuration: string; dice: number | null };
}

export interface RunView extends RunSummary {
  live: boolean;
  params: Record<string, unknown>;
  pipelineFile?: string;
  graph: GraphNode[];
  actions: ActionView[];
  /** byte offset in events.jsonl this view was built from: the event stream continues there */
  offset: number;
}

export interface ActionDetail extends ActionView {
  kind: string;
  log: string[];
}

export interface CaseView {
  configuration: string;
  id: string;
  dice: Record<string, number>;
  mean: number | null;
  /** file names (never paths) of what the viewer can load; the bytes come from /api/runs/<id>/cases/<n>/<which> */
  files: Partial<Record<CaseFile, string>>;
}

export type CaseFile = 'image' | 'reference' | 'prediction';

export interface ResultsView {
  /** label key ('1', '(1, 2)') -> name from dataset.json */
  labelNames: Record<string, string>;
  dice: Array<{ scope: 'fold' | 'crossval'; configuration: string; fold: string; labels: Record<string, number>; foregroundMean: number; cases: number }>;
  /** worst first */
  cases: CaseView[];
  selection: { chosen?: { configuration: string; dice: unknown }; postprocessing?: { text: string; before: unknown; after: unknown } };
  notes: string[];
}

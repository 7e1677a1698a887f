/**
 * The dashboard's view of runs/: finished runs from their run.json (the contract), runs in progress from the
 * events.jsonl their `nnunet run` appends to. Every id that reaches the file system is checked here first.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EVENTS_FILE, readRunFile, type RunNodeRecord, type RunRecord } from '../engine/index.js';
import { dagNodes, nodesFromText } from '../report/dag.js';
import { diceFigures } from '../tracking/metrics.js';
import { readEvents, processAlive } from './events-file.js';
import { HttpError } from './http-error.js';
import { applyEvent, emptyRun, type LiveRun } from './shared/live-state.js';
import type { ActionView, GraphNode, RunStatus, RunSummary, RunView } from './shared/types.js';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A run as the server found it: its record when it finished, else what its events say so far. */
export type RunSource =
  | { id: string; dir: string; record: RunRecord; live?: undefined; offset: 0 }
  | { id: string; dir: string; record?: undefined; live: LiveRun; offset: number };

/** A run id from a URL: a plain folder name under runsDir, never a path. */
export function checkRunId(id: string): string {
  if (!RUN_ID.test(id)) throw new HttpError(400, 'BAD_RUN_ID', `'${id.slice(0, 80)}' is not a run id`);
  return id;
}

/** The finished run's record; a run.json that is there but is not a record is an error naming it, never a crash later. */
async function readRecord(dir: string): Promise<RunRecord | undefined> {
  const file = join(dir, 'run.json');
  if (!existsSync(file)) return undefined;
  const read = await readRunFile(file);
  if ('problem' in read) throw new HttpError(422, 'RUN_DAMAGED', `${file}: ${read.problem}`);
  return read.record;
}

async function readLive(dir: string): Promise<{ live: LiveRun; offset: number } | undefined> {
  const { events, offset } = await readEvents(join(dir, EVENTS_FILE), 0);
  const start = events[0];
  if (start?.type !== 'run-start') return undefined;
  const live = emptyRun(start);
  for (const e of events.slice(1)) applyEvent(live, e);
  return { live, offset };
}

export async function loadRun(runsDir: string, id: string): Promise<RunSource> {
  const dir = join(runsDir, checkRunId(id));
  const record = await readRecord(dir);
  if (record) return { id, dir, record, offset: 0 };
  const live = existsSync(dir) ? await readLive(dir) : undefined;
  if (!live) throw new HttpError(404, 'RUN_NOT_FOUND', `no run '${id}' in ${runsDir}`);
  return { id, dir, ...live };
}

export function liveStatus(live: LiveRun): RunStatus {
  return live.ended ?? (processAlive(live.pid) ? 'running' : 'interrupted');
}

function countStatuses(actions: Iterable<{ status: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of actions) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

/** find-best's choice when the run has one, else the best cross-validation mean foreground Dice. */
function headline(r: RunRecord): RunSummary['headline'] {
  const best = r.nodes.find((n) => n.kind === 'find-best' && n.metrics.best !== undefined);
  if (best) return { configuration: String(best.metrics.best), dice: typeof best.metrics.mean_fg_dice === 'number' ? best.metrics.mean_fg_dice : null };
  const figures = diceFigures(r).filter((f) => f.scope === 'cross-validation' && f.label === 'foreground mean' && f.value !== null);
  const top = figures.sort((a, b) => b.value! - a.value!)[0];
  return top ? { configuration: top.configuration, dice: top.value } : undefined;
}

export function summarizeRun(src: RunSource): RunSummary {
  if (src.record) {
    const r = src.record;
    const h = headline(r);
    return { id: r.id, ...(r.name ? { name: r.name } : {}), status: r.status, pipeline: r.pipeline.name ?? '(unnamed)', startedAt: r.startedAt,
      durationMs: r.durationMs, counts: countStatuses(r.nodes), ...(h ? { headline: h } : {}) };
  }
  const l = src.live;
  return { id: src.id, status: liveStatus(l), pipeline: l.pipeline, startedAt: new Date(l.startedAt).toISOString(),
    durationMs: (l.ended || liveStatus(l) !== 'running' ? l.lastAt : Date.now()) - l.startedAt, counts: countStatuses(liveActions(l)) };
}

export async function listRunSummaries(runsDir: string): Promise<RunSummary[]> {
  let names: string[];
  try {
    names = (await readdir(runsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && RUN_ID.test(d.name)).map((d) => d.name);
  } catch {
    return [];
  }
  const out: RunSummary[] = [];
  for (const id of names) {
    try {
      out.push(summarizeRun(await loadRun(runsDir, id)));
    } catch {
      // a folder that is neither a finished nor a started run (no run.json, no events): not a run
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
}

const graphOf = (nodes: ReturnType<typeof dagNodes>): GraphNode[] => nodes.map(({ name, kind, needs, layer }) => ({ name, kind, needs, layer }));

function recordAction(n: RunNodeRecord): ActionView {
  return { id: n.id, node: n.node, status: n.status, durationMs: n.durationMs, matrix: n.matrix, key: n.key,
    ...(n.why ? { why: n.why } : {}), ...(n.error ? { error: n.error } : {}) };
}

function stopped(a: ActionView, at: number): ActionView {
  if (a.status !== 'running' && a.status !== 'waiting') return a;
  const { progress: _gone, ...rest } = a;
  return { ...rest, status: 'aborted', durationMs: a.startedAt ? Math.max(0, at - a.startedAt) : 0 };
}

/** A run's actions from its events; when its process died, what it was doing stopped when it last wrote, not now. */
export function liveActions(l: LiveRun): ActionView[] {
  const all = [...l.actions.values()];
  return liveStatus(l) === 'interrupted' ? all.map((a) => stopped(a, l.lastAt)) : all;
}

export function runView(src: RunSource): RunView {
  const base = summarizeRun(src);
  if (src.record) {
    const r = src.record;
    return { ...base, live: false, params: r.params, ...(r.pipeline.file ? { pipelineFile: r.pipeline.file } : {}),
      graph: graphOf(dagNodes(r)), actions: r.nodes.map(recordAction), offset: 0 };
  }
  const l = src.live;
  const kinds = nodesFromText(l.text);
  const actions = liveActions(l);
  const graph = dagNodes({ pipeline: { text: l.text }, nodes: actions.map((a) => ({ ...a, kind: kinds.get(a.node)?.kind ?? '?' })) }, l.nodes ?? [...kinds.keys()]);
  return { ...base, live: base.status === 'running', params: l.params, ...(l.file ? { pipelineFile: l.file } : {}),
    graph: graphOf(graph), actions, offset: src.offset };
}

/** The store a run used: `--store` when given, else the one its record or its events name. */
export function runStore(src: RunSource, storeDir: string | undefined): string | undefined {
  if (storeDir) return storeDir;
  const recorded = src.record ? src.record.environment.store : src.live.store;
  return typeof recorded === 'string' ? recorded : undefined;
}

/**
 * Folds engine events (runs/<id>/events.jsonl lines) into the actions of a run in progress. The server uses it
 * for the first view of a live run, the page for every event that follows over SSE: one reducer, both sides.
 */
import type { LoggedEvent } from '../../engine/runs/event-log.js';
import type { ActionView } from './types.js';

export const LOG_TAIL = 200;

export interface LiveRun {
  runId: string;
  pipeline: string;
  text: string;
  params: Record<string, unknown>;
  store: string;
  file?: string;
  /** the planned nodes (absent in logs written before run-start carried them: then every node of the text) */
  nodes?: string[];
  pid?: number;
  startedAt: number;
  lastAt: number;
  ended?: 'succeeded' | 'failed' | 'aborted';
  actions: Map<string, ActionView>;
  logs: Map<string, string[]>;
}

export function emptyRun(e: Extract<LoggedEvent, { type: 'run-start' }>): LiveRun {
  return {
    runId: e.runId, pipeline: e.pipeline, text: e.text, params: e.params, store: e.store, file: e.file, nodes: e.nodes, pid: e.pid,
    startedAt: e.t, lastAt: e.t, actions: new Map(), logs: new Map(),
  };
}

function action(run: LiveRun, id: string, node: string): ActionView {
  let a = run.actions.get(id);
  if (!a) {
    a = { id, node, status: 'waiting', durationMs: 0, matrix: {} };
    run.actions.set(id, a);
  }
  return a;
}

/** Applies one event; returns the action it touched, if any. */
export function applyEvent(run: LiveRun, e: LoggedEvent): ActionView | undefined {
  run.lastAt = Math.max(run.lastAt, e.t);
  switch (e.type) {
    case 'run-start':
      return undefined;
    case 'run-end':
      run.ended = e.status;
      return undefined;
    case 'action-start': {
      const a = action(run, e.id, e.node);
      Object.assign(a, { status: 'running', key: e.key, matrix: e.matrix, startedAt: e.t, ...(e.why ? { why: e.why } : {}) });
      return a;
    }
    case 'action-wait': {
      const a = run.actions.get(e.id);
      if (a) a.status = 'waiting';
      return a;
    }
    case 'action-progress': {
      const a = run.actions.get(e.id);
      if (a) a.progress = { done: e.progress.done, total: e.progress.total, ...(e.progress.message ? { message: e.progress.message } : {}) };
      return a;
    }
    case 'action-log': {
      const lines = run.logs.get(e.id) ?? [];
      lines.push(e.message);
      if (lines.length > LOG_TAIL) lines.splice(0, lines.length - LOG_TAIL);
      run.logs.set(e.id, lines);
      return run.actions.get(e.id);
    }
    case 'action-end': {
      const a = action(run, e.id, e.node);
      Object.assign(a, { status: e.status, durationMs: e.durationMs, matrix: e.matrix, ...(e.key ? { key: e.key } : {}), ...(e.error ? { error: e.error } : {}) });
      delete a.progress;
      return a;
    }
  }
}

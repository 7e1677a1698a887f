/**
 * `runs/<id>/events.jsonl`: the engine's events, one JSON line each as they happen, so another process
 * (`nnunet serve`) can show a run live. Append-only: a reader keeps its byte offset and reads what was added.
 * The run record (run.json) stays the contract for finished runs; this file is only the live view's feed.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent, EngineObserver } from '../events.js';
import { withPath } from '../fs-errors.js';

export const EVENTS_FILE = 'events.jsonl';

/** A line of events.jsonl: the event, when it happened (ms since the epoch), and the writer's pid on run-start. */
export type LoggedEvent = EngineEvent & { t: number; pid?: number };

// training reports progress every iteration; a live view needs far fewer
const PROGRESS_EVERY_MS = 1000;
/** A log line longer than this reaches the live view cut (the action's own log file keeps it whole). */
export const MAX_LOGGED_MESSAGE = 64 * 1024;

export function eventLogObserver(runsDir: string): EngineObserver {
  let file: string | undefined;
  const lastProgress = new Map<string, number>();
  const write = (line: LoggedEvent): void => {
    if (!file) return;
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch (err) {
      throw withPath(err, file);
    }
  };
  return (e) => {
    const t = Date.now();
    if (e.type === 'run-start') {
      const dir = join(runsDir, e.runId);
      mkdirSync(dir, { recursive: true });
      file = join(dir, EVENTS_FILE);
      return write({ ...e, t, pid: process.pid });
    }
    if (e.type === 'action-progress') {
      if (t - (lastProgress.get(e.id) ?? 0) < PROGRESS_EVERY_MS) return;
      lastProgress.set(e.id, t);
    }
    if (e.type === 'action-log' && e.message.length > MAX_LOGGED_MESSAGE) {
      return write({ ...e, message: `${e.message.slice(0, MAX_LOGGED_MESSAGE)}... (${e.message.length} characters, cut)`, t });
    }
    write({ ...e, t });
  };
}

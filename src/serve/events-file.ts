/** Reading runs/<id>/events.jsonl from a byte offset, as the run command appends to it. */
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { openRegularFile } from '../util/read-bounded.js';
import type { LoggedEvent } from '../engine/index.js';
import { processAlive as pidAlive } from '../engine/store/lock.js';

// one read never holds more than this; the next read continues where it stopped
const MAX_CHUNK = 4 << 20;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): boolean => typeof v === 'string';

/** The fields each event type needs where the live view reads them: a damaged line is skipped, not a crash later. */
const SHAPES: Record<LoggedEvent['type'], (e: Record<string, unknown>) => boolean> = {
  'run-start': (e) => str(e.runId) && str(e.pipeline) && str(e.text) && isObject(e.params) && str(e.store),
  'run-end': (e) => str(e.status),
  'action-start': (e) => str(e.id) && str(e.node) && isObject(e.matrix),
  'action-wait': (e) => str(e.id),
  'action-progress': (e) => str(e.id) && isObject(e.progress) && Number.isFinite(e.progress.done) && Number.isFinite(e.progress.total),
  'action-log': (e) => str(e.id) && str(e.message),
  'action-end': (e) => str(e.id) && str(e.node) && str(e.status) && Number.isFinite(e.durationMs) && isObject(e.matrix),
};

function isLoggedEvent(e: unknown): e is LoggedEvent {
  return isObject(e) && Number.isFinite(e.t) && typeof e.type === 'string' && Object.hasOwn(SHAPES, e.type) && SHAPES[e.type as LoggedEvent['type']](e);
}

/** Complete lines of a chunk; a torn last line (the writer mid-append) waits for the next read. */
export function parseLines(text: string): { events: LoggedEvent[]; consumed: number } {
  const end = text.lastIndexOf('\n');
  if (end < 0) return { events: [], consumed: 0 };
  const events: LoggedEvent[] = [];
  for (const line of text.slice(0, end).split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as unknown;
      if (isLoggedEvent(e)) events.push(e);
    } catch {
      // a line that is not JSON is not an event
    }
  }
  return { events, consumed: Buffer.byteLength(text.slice(0, end + 1)) };
}

/** A regular file opened for reading, or undefined for a missing file and for anything else (see openRegularFile). */
export const openIfRegular = (file: string): Promise<{ fh: FileHandle; st: Stats } | undefined> => openRegularFile(file).catch(() => undefined);

/**
 * The events after `from`, and the offset to continue at. A missing file has none, and so has anything that is not a
 * regular file.
 */
export async function readEvents(file: string, from: number): Promise<{ events: LoggedEvent[]; offset: number }> {
  const opened = await openIfRegular(file);
  if (!opened) return { events: [], offset: from };
  const { fh, st } = opened;
  try {
    if (st.size <= from) return { events: [], offset: from };
    const buf = Buffer.alloc(Math.min(st.size - from, MAX_CHUNK));
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    const { events, consumed } = parseLines(buf.subarray(0, bytesRead).toString('utf8'));
    // a full chunk without a newline is one line longer than any event: skip it (its tail fails to parse and is
    // dropped too), or the view would stop there and reread it forever
    const skipped = consumed === 0 && bytesRead === MAX_CHUNK ? bytesRead : consumed;
    return { events, offset: from + skipped };
  } finally {
    await fh.close();
  }
}

/** Whether the process that writes a run is still there (same machine; a run that died never wrote run-end). */
export function processAlive(pid: number | undefined): boolean {
  return pid !== undefined && pid > 0 && pidAlive(pid);
}

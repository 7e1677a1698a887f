/** Reading runs/<id>/events.jsonl from a byte offset, as the run command appends to it. */
import { open } from 'node:fs/promises';
import type { LoggedEvent } from '../engine/index.js';
import { processAlive as pidAlive } from '../engine/store/lock.js';

// one read never holds more than this; the next read continues where it stopped
const MAX_CHUNK = 4 << 20;

/** Complete lines of a chunk; a torn last line (the writer mid-append) waits for the next read. */
export function parseLines(text: string): { events: LoggedEvent[]; consumed: number } {
  const end = text.lastIndexOf('\n');
  if (end < 0) return { events: [], consumed: 0 };
  const events: LoggedEvent[] = [];
  for (const line of text.slice(0, end).split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as LoggedEvent);
    } catch {
      // a line that is not JSON is not an event
    }
  }
  return { events, consumed: Buffer.byteLength(text.slice(0, end + 1)) };
}

/** The events after `from`, and the offset to continue at. A missing file has none. */
export async function readEvents(file: string, from: number): Promise<{ events: LoggedEvent[]; offset: number }> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return { events: [], offset: from };
  }
  try {
    const size = (await fh.stat()).size;
    if (size <= from) return { events: [], offset: from };
    const buf = Buffer.alloc(Math.min(size - from, MAX_CHUNK));
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    const { events, consumed } = parseLines(buf.subarray(0, bytesRead).toString('utf8'));
    return { events, offset: from + consumed };
  } finally {
    await fh.close();
  }
}

/** Whether the process that writes a run is still there (same machine; a run that died never wrote run-end). */
export function processAlive(pid: number | undefined): boolean {
  return pid !== undefined && pid > 0 && pidAlive(pid);
}

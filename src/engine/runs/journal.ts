/**
 * `runs/<id>/actions.jsonl`: each finished action of a run, one line as it ends, so a run killed before it
 * could write run.json is later recorded with what it did (in-progress.ts reads it back). An executed action
 * is written at once (its output is in the store and must be referenced); cache hits are batched, since a
 * null rerun ends thousands of them in a fraction of a second and they were referenced by earlier runs.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunNodeRecord } from './record.js';

export const JOURNAL_FILE = 'actions.jsonl';
const BATCH_MS = 200;

export class RunJournal {
  private readonly fd: number;
  private pending = '';
  private timer?: NodeJS.Timeout;

  constructor(runDir: string) {
    this.fd = openSync(join(runDir, JOURNAL_FILE), 'a');
  }

  add(node: RunNodeRecord): void {
    this.pending += `${JSON.stringify(node)}\n`;
    if (node.status === 'ran' || node.status === 'failed') this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS).unref();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    writeSync(this.fd, this.pending);
    this.pending = '';
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** The actions a run's journal holds; a line cut short by the kill is left out. */
export function readJournal(runDir: string): RunNodeRecord[] {
  let text: string;
  try {
    text = readFileSync(join(runDir, JOURNAL_FILE), 'utf8');
  } catch {
    return [];
  }
  const out: RunNodeRecord[] = [];
  for (const line of text.split('\n')) {
    try {
      if (line) out.push(JSON.parse(line) as RunNodeRecord);
    } catch {
      // the last line, half-written when the process died
    }
  }
  return out;
}

/**
 * `runs/<id>/actions.jsonl`: each action a run executed (ran or failed), one line as it ends, so a run killed
 * before it could write run.json is later recorded with what it did (in-progress.ts reads it back) and its
 * new outputs stay referenced. Cache hits are not journaled: earlier runs' records reference their outputs, and
 * a null rerun ends thousands of them in a fraction of a second (a line each would cost it several percent).
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunNodeRecord } from './record.js';
import { withPath } from '../fs-errors.js';

export const JOURNAL_FILE = 'actions.jsonl';

export class RunJournal {
  private readonly fd: number;
  private readonly file: string;

  constructor(runDir: string) {
    this.file = join(runDir, JOURNAL_FILE);
    this.fd = openSync(this.file, 'a');
  }

  /** Appends the action's record now: a SIGKILL right after still finds it. */
  add(node: RunNodeRecord): void {
    try {
      writeSync(this.fd, `${JSON.stringify(node)}\n`);
    } catch (err) {
      throw withPath(err, this.file);
    }
  }

  close(): void {
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

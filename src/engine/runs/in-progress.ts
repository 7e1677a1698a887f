import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../store/lock.js';
import { JOURNAL_FILE, readJournal, RunJournal } from './journal.js';
import { metricsOf, summaryOf, validateRunRecord, writeRunRecord, type RunRecord } from './record.js';
import { withPath } from '../fs-errors.js';

const MARKER = 'running.json';

interface Marker {
  pid: number;
  host: string;
  record: RunRecord;
}

/** Once run.json is there, the marker and journal have served. */
async function clearRunning(runDir: string): Promise<void> {
  await rm(join(runDir, MARKER), { force: true });
  await rm(join(runDir, JOURNAL_FILE), { force: true });
}

export interface RunInProgress {
  /** each finished action goes here as it ends */
  journal: RunJournal;
  /** after run.json is written: the marker and journal go */
  finished(): Promise<void>;
}

/**
 * `runs/<id>/running.json` while a run goes: the record as it stood at the start, and beside it the journal of
 * finished actions. A run killed with SIGKILL cannot write its record, so the next command that finds the
 * marker of a dead process writes it (status aborted) with the actions of its journal. Writing the marker first
 * also finds a runs folder that cannot be written before any action runs.
 */
export async function markRunning(runsDir: string, rec: RunRecord): Promise<RunInProgress> {
  const dir = join(runsDir, rec.id);
  await mkdir(dir, { recursive: true });
  const marker = join(dir, MARKER);
  await writeFile(marker, JSON.stringify({ pid: process.pid, host: hostname(), record: rec } satisfies Marker)).catch((err: unknown) => {
    throw withPath(err, marker);
  });
  const journal = new RunJournal(dir);
  return {
    journal,
    async finished() {
      journal.close();
      await clearRunning(dir);
    },
  };
}

/**
 * Records every run of this host whose process died without writing its record, with the actions its journal
 * holds (their outputs stay referenced, so gc keeps them); returns their ids. Only commands that write the
 * store call it (run, gc): read-only ones never write records.
 */
export async function recordDeadRuns(runsDir: string, foundBy: string): Promise<string[]> {
  let ids: string[];
  try {
    ids = await readdir(runsDir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const id of ids) {
    const file = join(runsDir, id, MARKER);
    let m: Marker;
    try {
      m = JSON.parse(await readFile(file, 'utf8')) as Marker;
    } catch {
      continue;
    }
    // a marker damaged into another shape names no run that could be recorded: left alone, never a crash of every run
    if (typeof m !== 'object' || m === null || typeof m.host !== 'string' || !Number.isInteger(m.pid) || typeof m.record !== 'object' || m.record === null) continue;
    if (m.host !== hostname() || processAlive(m.pid) || existsSync(join(runsDir, id, 'run.json'))) {
      if (existsSync(join(runsDir, id, 'run.json'))) await clearRunning(join(runsDir, id));
      continue;
    }
    const nodes = readJournal(join(runsDir, id));
    const rec: RunRecord = {
      ...m.record, status: 'aborted', nodes, summary: summaryOf(nodes.map((n) => n.status)),
      metrics: metricsOf(nodes),
      environment: { ...m.record.environment, died: `process ${m.pid} ended without finishing its run (killed?); recorded by ${foundBy}` },
    };
    if (validateRunRecord(rec).length > 0) continue;
    await writeRunRecord(runsDir, rec, []);
    await clearRunning(join(runsDir, id));
    out.push(id);
  }
  return out;
}

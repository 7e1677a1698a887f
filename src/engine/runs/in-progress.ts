import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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

/** A run's marker, or undefined when it has none or it is damaged into another shape (left alone, never a crash). */
async function readMarker(runsDir: string, id: string): Promise<Marker | undefined> {
  let m: Marker;
  try {
    m = JSON.parse(await readFile(join(runsDir, id, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  const ok = typeof m === 'object' && m !== null && typeof m.host === 'string' && Number.isInteger(m.pid) && typeof m.record === 'object' && m.record !== null;
  return ok ? m : undefined;
}

/**
 * Runs still going (their marker without a run.json, and their process alive, or on another host where this one
 * cannot tell): what `runs ls` lists beside the recorded ones.
 */
export async function runsInProgress(runsDir: string): Promise<RunRecord[]> {
  let ids: string[];
  try {
    ids = (await readdir(runsDir)).sort();
  } catch {
    return [];
  }
  const out: RunRecord[] = [];
  for (const id of ids) {
    if (existsSync(join(runsDir, id, 'run.json'))) continue;
    const m = await readMarker(runsDir, id);
    if (!m || (m.host === hostname() && !processAlive(m.pid))) continue;
    const nodes = readJournal(join(runsDir, id));
    out.push({ ...m.record, nodes, summary: summaryOf(nodes.map((n) => n.status)) });
  }
  return out;
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
    const m = await readMarker(runsDir, id);
    if (!m) continue;
    if (m.host !== hostname() || processAlive(m.pid) || existsSync(join(runsDir, id, 'run.json'))) {
      if (existsSync(join(runsDir, id, 'run.json'))) await clearRunning(join(runsDir, id));
      continue;
    }
    const nodes = readJournal(join(runsDir, id));
    // it ran until its last journaled action at least (the marker was written at the start)
    const lastActivity = await stat(join(runsDir, id, JOURNAL_FILE)).then((s) => s.mtimeMs, () => Date.parse(m.record.startedAt));
    const rec: RunRecord = {
      ...m.record, status: 'aborted', nodes, summary: summaryOf(nodes.map((n) => n.status)),
      durationMs: Math.max(0, Math.round(lastActivity - Date.parse(m.record.startedAt))),
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

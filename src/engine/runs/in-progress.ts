import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../store/lock.js';
import { writeRunRecord, type RunRecord } from './record.js';

const MARKER = 'running.json';

interface Marker {
  pid: number;
  host: string;
  record: RunRecord;
}

/**
 * `runs/<id>/running.json` while a run goes: the record as it stood at the start. A run killed with SIGKILL
 * cannot write its record, so the next run that finds the marker of a dead process writes it (status aborted).
 * Writing it first also finds a runs folder that cannot be written before any action runs.
 */
export async function markRunning(runsDir: string, rec: RunRecord): Promise<() => Promise<void>> {
  const file = join(runsDir, rec.id, MARKER);
  await mkdir(join(runsDir, rec.id), { recursive: true });
  await writeFile(file, JSON.stringify({ pid: process.pid, host: hostname(), record: rec } satisfies Marker));
  return () => rm(file, { force: true });
}

/** Records every run of this host whose process died without writing its record; returns their ids. */
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
    if (m.host !== hostname() || processAlive(m.pid) || existsSync(join(runsDir, id, 'run.json'))) {
      if (existsSync(join(runsDir, id, 'run.json'))) await rm(file, { force: true });
      continue;
    }
    const rec: RunRecord = {
      ...m.record, status: 'aborted',
      environment: { ...m.record.environment, died: `process ${m.pid} ended without finishing its run (killed?); recorded by run ${foundBy}` },
    };
    await writeRunRecord(runsDir, rec, []);
    await rm(file, { force: true });
    out.push(id);
  }
  return out;
}

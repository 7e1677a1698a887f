import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MAX_JSON_BYTES, readBoundedText, UnreadableFileError } from '../../util/read-bounded.js';
import { StoreError } from '../errors.js';
import { validateRunRecord, type RunRecord } from './record.js';

export interface RunScan {
  /** readable run records, oldest first */
  runs: RunRecord[];
  /** run.json files that exist but do not parse as a run record */
  damaged: string[];
}

/** run.json as a record, or why it is not one (invalid JSON, or valid JSON that does not fit run.schema.json). */
export async function readRunFile(file: string): Promise<{ record: RunRecord } | { problem: string }> {
  let rec: unknown;
  try {
    // bounded, and regular files only: a FIFO named run.json would block the reader (a server's thread pool) for good
    rec = JSON.parse(await readBoundedText(file, MAX_JSON_BYTES));
  } catch (err) {
    return { problem: err instanceof UnreadableFileError ? err.message : `not valid JSON (${(err as Error).message})` };
  }
  const problems = validateRunRecord(rec);
  return problems.length === 0 ? { record: rec as RunRecord } : { problem: `not a run record (${problems.slice(0, 3).join('; ')})` };
}

/**
 * Every run record under `runsDir`. A folder without run.json is a run still going (or one killed, until
 * recorded): not a run. run.json is written by rename, so one that does not parse was damaged afterwards.
 */
export async function scanRuns(runsDir: string): Promise<RunScan> {
  let ids: string[];
  try {
    ids = (await readdir(runsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return { runs: [], damaged: [] };
  }
  const runs: RunRecord[] = [];
  const damaged: string[] = [];
  for (const id of ids) {
    const file = join(runsDir, id, 'run.json');
    if (!existsSync(file)) continue;
    const read = await readRunFile(file);
    if ('record' in read) runs.push(read.record);
    else damaged.push(file);
  }
  runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  return { runs, damaged };
}

/** Every readable run record under `runsDir`, oldest first. */
export async function listRuns(runsDir: string): Promise<RunRecord[]> {
  return (await scanRuns(runsDir)).runs;
}

/** A run by id, unique id prefix, or `latest` / `latest~N`. */
export async function readRun(runsDir: string, ref: string): Promise<RunRecord> {
  const { runs, damaged } = await scanRuns(runsDir);
  const back = /^latest(?:~(\d+))?$/.exec(ref);
  const matches = back ? [runs[runs.length - 1 - Number(back[1] ?? 0)]].filter(Boolean) : runs.filter((r) => r.id === ref || r.id.startsWith(ref));
  const exact = matches.find((r) => r.id === ref);
  if (exact) return exact;
  if (matches.length === 1) return matches[0];
  const broken = back ? [] : damaged.filter((f) => basename(dirname(f)).startsWith(ref));
  if (matches.length === 0 && broken.length > 0) {
    const read = await readRunFile(broken[0]);
    throw new StoreError('RUN_DAMAGED', `the record of run ${basename(dirname(broken[0]))} is damaged: ${'problem' in read ? read.problem : 'unreadable'}`, { file: broken[0] });
  }
  if (matches.length === 0) throw new StoreError('RUN_NOT_FOUND', `no run '${ref}' in ${runsDir}`, { file: runsDir });
  throw new StoreError('RUN_AMBIGUOUS', `'${ref}' matches ${matches.length} runs: ${matches.slice(0, 5).map((r) => r.id).join(', ')}`);
}

/** Nested values as dotted leaf paths: { train: { epochs: 5 } } -> { 'train.epochs': 5 }. */
export function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

export interface DiffRow {
  section: 'params' | 'metrics' | 'status';
  key: string;
  a: unknown;
  b: unknown;
}

/** Params, metrics and action statuses of two runs side by side; only differing rows unless `all`. */
export function diffRuns(a: RunRecord, b: RunRecord, all = false): DiffRow[] {
  const rows: DiffRow[] = [];
  const sections: Array<[DiffRow['section'], Record<string, unknown>, Record<string, unknown>]> = [
    ['params', flatten(a.params), flatten(b.params)],
    ['metrics', flatten(a.metrics), flatten(b.metrics)],
    ['status', Object.fromEntries(a.nodes.map((n) => [n.id, n.status])), Object.fromEntries(b.nodes.map((n) => [n.id, n.status]))],
  ];
  for (const [section, x, y] of sections) {
    for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
      if (all || JSON.stringify(x[key]) !== JSON.stringify(y[key])) rows.push({ section, key, a: x[key], b: y[key] });
    }
  }
  return rows;
}

/** `writeRunReport`: the HTML report of a recorded run, from its run.json and the store's artifacts. */
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { defaultStoreDir, NnunetError, type RunRecord } from '../engine/index.js';
import { collectReportData, type CaseRow } from './collect.js';
import { dagNodes } from './dag.js';
import { renderPage, type Overlay } from './html.js';
import { overlayPng } from './overlay.js';

export interface ReportOptions {
  /** store holding the run's artifacts (default: the store the run recorded, else $NNUNET_STORE or ./.nnunet) */
  storeDir?: string;
  /** runs folder (default ./runs); the report goes to <runsDir>/<id>/report.html unless `out` is given */
  runsDir?: string;
  out?: string;
}

/** The worst and best case of each configuration that has a drawable case. */
function overlayCases(cases: readonly CaseRow[]): Array<{ row: CaseRow; which: 'worst' | 'best' }> {
  const picks: Array<{ row: CaseRow; which: 'worst' | 'best' }> = [];
  for (const cfg of new Set(cases.map((c) => c.configuration))) {
    const drawable = cases.filter((c) => c.configuration === cfg && c.image && c.reference && c.mean !== null);
    if (!drawable.length) continue;
    picks.push({ row: drawable[0], which: 'worst' });
    if (drawable.length > 1) picks.push({ row: drawable[drawable.length - 1], which: 'best' });
  }
  return picks;
}

export function reportStoreDir(record: RunRecord, storeDir?: string): string {
  const recorded = record.environment.store;
  return defaultStoreDir(storeDir ?? (typeof recorded === 'string' ? recorded : undefined));
}

/** Writes the report (atomically) and returns its path. */
export async function writeRunReport(record: RunRecord, opts: ReportOptions = {}): Promise<string> {
  const out = resolve(opts.out ?? join(opts.runsDir ?? 'runs', record.id, 'report.html'));
  // the report replaces its file by rename: anything else there (a device, FIFO, symlink, folder) would be replaced too
  const there = await lstat(out).catch(() => undefined);
  if (there && !there.isFile()) {
    throw new NnunetError('CLI_NOT_A_FILE', `${out} is not a regular file (a folder, link, FIFO or device): the report is written to a new file or replaces one`, { file: out });
  }
  const storeDir = reportStoreDir(record, opts.storeDir);
  const data = await collectReportData(record, storeDir);
  const overlays: Overlay[] = [];
  for (const pick of overlayCases(data.cases)) {
    try {
      overlays.push({ ...pick, png: await overlayPng(pick.row.image!, pick.row.reference!, pick.row.prediction) });
    } catch (err) {
      overlays.push({ ...pick, error: `cannot draw ${pick.row.id}: ${(err as Error).message}` });
    }
  }
  const html = renderPage({ record, dag: dagNodes(record), ...data, overlays });
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, html);
    await rename(tmp, out);
  } finally {
    await rm(tmp, { force: true });
  }
  return out;
}

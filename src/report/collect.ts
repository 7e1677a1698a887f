/**
 * What the report shows, read from a run record and the store: training logs of train-fold actions, and
 * nnU-Net summary.json files of validate (per fold) and evaluate (cross-validation) actions. Anything missing
 * (a failed action, a garbage-collected artifact) becomes a note instead of an error.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { artifactDir, type RunNodeRecord, type RunRecord } from '../engine/index.js';
import type { EpochLog, EpochTimes } from '../nn/train/log.js';
import type { CaseListing, LabelValue } from '../../nodes/dataset/format.js';
import { readCaseListing } from '../../nodes/dataset/listing.js';
import type { Summary } from '../../nodes/evaluate/summary.js';
import { parsePythonJson } from '../util/py-json.js';

export interface FoldCurves {
  action: string;
  configuration: string;
  fold: string;
  log: EpochLog[];
  /** from the action record's timings (the output holds no clock readings) */
  epochTimes?: EpochTimes;
}

export interface DiceRow {
  /** 'fold': one validate action; 'crossval': an evaluate action merging the folds */
  scope: 'fold' | 'crossval';
  action: string;
  configuration: string;
  fold: string;
  /** label key ('1', '(1, 2)') -> mean Dice */
  labels: Record<string, number>;
  foregroundMean: number;
  cases: number;
}

export interface CaseRow {
  configuration: string;
  id: string;
  dice: Record<string, number>;
  /** mean over labels defined in this case (NaN labels left out); null when none is */
  mean: number | null;
  prediction: string;
  reference?: string;
  image?: string;
}

export interface ReportData {
  curves: FoldCurves[];
  dice: DiceRow[];
  cases: CaseRow[];
  notes: string[];
  /** dataset.json's labels, to name labels, regions and postprocessing steps */
  labels: Record<string, LabelValue>;
}

const matrixValue = (n: RunNodeRecord, key: string, fallback: string): string => (n.matrix[key] === undefined ? fallback : String(n.matrix[key]));

async function outputDir(storeDir: string, n: RunNodeRecord, notes: string[]): Promise<string | undefined> {
  if (!n.outputs) {
    notes.push(`${n.id}: ${n.status}${n.error ? ` (${n.error.code})` : ''}, no output`);
    return undefined;
  }
  try {
    return await artifactDir(storeDir, n.outputs.digest);
  } catch {
    notes.push(`${n.id}: output ${n.outputs.digest.slice(0, 12)} is not in the store ${storeDir}`);
    return undefined;
  }
}

/**
 * A train-fold action's curves: its output's training_log.json, or, while it trains, the timed copy in its
 * scratch folder (`scratchDir`), which also carries the epoch times.
 */
export async function foldCurves(storeDir: string, n: RunNodeRecord, notes: string[], scratchDir?: string): Promise<FoldCurves | undefined> {
  const dir = scratchDir ?? await outputDir(storeDir, n, notes);
  if (!dir) return undefined;
  try {
    const log = JSON.parse(await readFile(join(dir, 'training_log.json'), 'utf8')) as Array<EpochLog & { epoch_time_s?: number | null }>;
    const times = scratchDir ? log.map((e) => e.epoch_time_s ?? null) : n.timings?.epoch_time_s;
    return { action: n.id, configuration: matrixValue(n, 'configuration', n.node), fold: matrixValue(n, 'fold', '-'), log,
      ...(Array.isArray(times) ? { epochTimes: times as EpochTimes } : {}) };
  } catch (err) {
    if (!scratchDir) notes.push(`${n.id}: no readable training_log.json (${(err as Error).message})`);
    return undefined;
  }
}

async function readSummary(file: string, action: string, notes: string[]): Promise<Summary | undefined> {
  try {
    const s = parsePythonJson(await readFile(file, 'utf8')) as Partial<Summary> | null;
    // a damaged or foreign file must become a note, not a crash of the report or the dashboard
    if (typeof s?.mean !== 'object' || s.mean === null || !Array.isArray(s.metric_per_case) || typeof s.foreground_mean !== 'object' || s.foreground_mean === null) {
      throw new Error('not an nnU-Net summary (mean, foreground_mean and metric_per_case missing)');
    }
    return s as Summary;
  } catch (err) {
    notes.push(`${action}: cannot read ${file}: ${(err as Error).message}`);
    return undefined;
  }
}

/** The crossval_results_folds_* folder an evaluate artifact holds. */
async function crossvalFolder(dir: string): Promise<string | undefined> {
  const sub = (await readdir(dir)).find((d) => d.startsWith('crossval_results'));
  return sub ? join(dir, sub) : undefined;
}

function caseRows(summary: Summary, folder: string, configuration: string, listing: CaseListing | undefined): CaseRow[] {
  const ending = listing?.file_ending ?? '.nii.gz';
  const byId = new Map(listing?.training.map((c) => [c.id, c]) ?? []);
  return summary.metric_per_case.map((c) => {
    const file = basename(c.prediction_file);
    const id = file.endsWith(ending) ? file.slice(0, -ending.length) : file;
    const dice = Object.fromEntries(Object.entries(c.metrics).map(([k, m]) => [k, m.Dice]));
    const defined = Object.values(dice).filter((d) => Number.isFinite(d));
    const known = byId.get(id);
    return {
      configuration, id, dice, mean: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
      prediction: join(folder, file),
      // the dataset's own label only: summary.json's reference_file is any path a store writer chose
      reference: known?.label,
      image: known?.images[0],
    };
  });
}

export async function collectReportData(record: RunRecord, storeDir: string): Promise<ReportData> {
  const notes: string[] = [];
  const ofKind = (k: string) => record.nodes.filter((n) => n.kind === k);
  const data: ReportData = { curves: [], dice: [], cases: [], notes, labels: {} };

  let listing: CaseListing | undefined;
  const datasetNode = ofKind('dataset')[0];
  const datasetDir = datasetNode && await outputDir(storeDir, datasetNode, notes);
  if (datasetDir) {
    try {
      listing = await readCaseListing(datasetDir);
      data.labels = (JSON.parse(await readFile(join(datasetDir, 'dataset.json'), 'utf8')) as { labels: Record<string, LabelValue> }).labels;
    } catch (err) {
      notes.push(`${datasetNode.id}: no readable cases.json, so no images for overlays (${(err as Error).message})`);
    }
  }

  for (const n of ofKind('train-fold')) {
    const curves = await foldCurves(storeDir, n, notes);
    if (curves) data.curves.push(curves);
  }

  const crossvalCases: CaseRow[] = [];
  const foldCases: CaseRow[] = [];
  const summaries = [...ofKind('validate').map((n) => [n, 'fold'] as const), ...ofKind('evaluate').map((n) => [n, 'crossval'] as const)];
  for (const [n, scope] of summaries) {
    const dir = await outputDir(storeDir, n, notes);
    const folder = dir && (scope === 'fold' ? join(dir, 'validation') : await crossvalFolder(dir));
    const summary = folder && await readSummary(join(folder, 'summary.json'), n.id, notes);
    if (!folder || !summary) continue;
    const configuration = matrixValue(n, 'configuration', n.node);
    data.dice.push({
      scope, action: n.id, configuration, fold: scope === 'fold' ? matrixValue(n, 'fold', '-') : 'all',
      labels: Object.fromEntries(Object.entries(summary.mean).map(([k, m]) => [k, m.Dice])),
      foregroundMean: summary.foreground_mean.Dice, cases: summary.metric_per_case.length,
    });
    (scope === 'crossval' ? crossvalCases : foldCases).push(...caseRows(summary, folder, configuration, listing));
  }
  // the cross-validation summary already holds every fold's cases; per-fold ones only when it is missing
  const covered = new Set(crossvalCases.map((c) => c.configuration));
  data.cases = [...crossvalCases, ...foldCases.filter((c) => !covered.has(c.configuration))]
    .sort((a, b) => (a.mean ?? Infinity) - (b.mean ?? Infinity) || a.id.localeCompare(b.id));
  return data;
}

/**
 * The part of `nnunet run`'s closing summary that speaks nnU-Net: cross-validation Dice per label per
 * configuration, the chosen configuration and postprocessing, where the model and predictions are, and the
 * `nnunet predict` command for new images. It reads only the run record's metrics and two small artifact
 * files; a run without these nodes gets no results section.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { artifactDir, type RunNodeRecord, type RunRecord } from '../engine/index.js';
import { CASES_FILE, readCaseListing } from '../../nodes/dataset/listing.js';
import type { LabelValue } from '../../nodes/dataset/format.js';
import { describeOperations } from '../../nodes/postprocess/describe.js';
import { labelKey } from '../../nodes/evaluate/summary.js';

const fmt = (x: unknown): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : 'n/a');
const rel = (p: string): string => {
  const r = relative(process.cwd(), p);
  return r.startsWith('..') && r.split('/').filter((s) => s === '..').length > 2 ? p : r;
};

async function dirOf(storeDir: string | undefined, n: RunNodeRecord | undefined): Promise<string | undefined> {
  if (!n?.outputs) return undefined;
  try {
    return await artifactDir(storeDir as string, n.outputs.digest);
  } catch {
    return undefined;
  }
}

/** dataset.json's labels, from the dataset node's output */
function datasetLabels(datasetDir: string | undefined): Record<string, LabelValue> {
  if (!datasetDir || !existsSync(join(datasetDir, 'dataset.json'))) return {};
  return (JSON.parse(readFileSync(join(datasetDir, 'dataset.json'), 'utf8')) as { labels: Record<string, LabelValue> }).labels;
}

/** summary.json key -> name: '1' for a label, '(1, 2)' (Python's tuple repr) for a region */
export function labelNames(labels: Record<string, LabelValue>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([name, v]) => [labelKey(v), name]));
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export interface ModelSelection {
  /** find-best's choice: a configuration or an ensemble */
  chosen?: { configuration: string; dice: unknown };
  /** postprocess's operations in words, and the mean foreground Dice before and after them */
  postprocessing?: { text: string; before: unknown; after: unknown };
}

/** find-best's and postprocess's results among a run's finished actions (the terminal summary and `nnunet serve`). */
export function modelSelection(ok: readonly RunNodeRecord[], labels: Record<string, LabelValue>): ModelSelection {
  const best = ok.find((n) => n.kind === 'find-best');
  const post = ok.find((n) => n.kind === 'postprocess');
  const ops = (post?.metrics.operations as string[] | undefined) ?? [];
  return {
    ...(best ? { chosen: { configuration: String(best.metrics.best), dice: best.metrics.mean_fg_dice } } : {}),
    ...(post ? { postprocessing: { text: ops.length ? describeOperations(ops, labels) : 'none (it did not help)',
      before: post.metrics.mean_fg_dice_before, after: post.metrics.mean_fg_dice_after } } : {}),
  };
}

/**
 * nnU-Net trains 3d_lowres and the cascade whenever the plan has them; a pipeline that left them out says how
 * to train them (the plan node's metrics name every planned configuration).
 */
export function cascadeHint(rec: RunRecord, ok: readonly RunNodeRecord[]): string[] {
  const plan = ok.find((n) => n.kind === 'plan');
  if (!plan || !('3d_lowres.patch_size' in plan.metrics)) return [];
  if (ok.some((n) => n.kind === 'train-fold' && n.matrix.configuration === '3d_lowres')) return [];
  const dataset = typeof rec.params.dataset === 'string' ? rec.params.dataset : '<dataset folder>';
  return ['', 'The plan also has 3d_lowres: the images are large for the patch, and nnU-Net would train its cascade too:',
    `  npx nnunet run pipelines/nnunet-cascade.yaml --set dataset=${dataset}`];
}

export async function resultsSummary(rec: RunRecord, storeDir?: string): Promise<string[]> {
  const ok = rec.nodes.filter((n) => n.status === 'ran' || n.status === 'cached');
  const evaluations = ok.filter((n) => n.kind === 'evaluate');
  if (evaluations.length === 0) return [];
  const datasetNode = ok.find((n) => n.kind === 'dataset');
  const datasetDir = await dirOf(storeDir, datasetNode);
  const labels = datasetLabels(datasetDir);
  const names = labelNames(labels);
  const labelKeys = [...new Set(evaluations.flatMap((n) => Object.keys((n.metrics.dice as Record<string, number>) ?? {})))];
  const rows = evaluations.map((n) => {
    const dice = (n.metrics.dice as Record<string, number>) ?? {};
    return [String(n.matrix.configuration ?? n.id), ...labelKeys.map((k) => fmt(dice[k])), fmt(n.metrics.mean_fg_dice)];
  });
  const lines = ['', 'Cross-validation Dice (validation cases of every fold, nnU-Net summary.json):',
    ...table(['configuration', ...labelKeys.map((k) => `${names[k] ?? 'label'} (${k})`), 'mean foreground'], rows)];

  lines.push(...cascadeHint(rec, ok));

  const sel = modelSelection(ok, labels);
  if (sel.chosen) lines.push('', `Chosen: ${sel.chosen.configuration} (mean foreground Dice ${fmt(sel.chosen.dice)})`);
  if (sel.postprocessing) {
    lines.push(`Postprocessing: ${sel.postprocessing.text} - Dice ${fmt(sel.postprocessing.before)} -> ${fmt(sel.postprocessing.after)}`);
  }
  const model = await dirOf(storeDir, ok.find((n) => n.kind === 'export'));
  if (model) lines.push(`Model folder: ${rel(model)}`);
  const predictions = await dirOf(storeDir, ok.find((n) => n.kind === 'predict'));
  if (predictions) lines.push(`Segmentations of the unseen cases: ${rel(predictions)}`);
  if (model) {
    const listing = datasetDir && existsSync(join(datasetDir, CASES_FILE)) ? await readCaseListing(datasetDir) : undefined;
    const images = listing && existsSync(join(listing.root, 'imagesTs')) ? rel(join(listing.root, 'imagesTs')) : '<folder of CASE_0000.nii.gz images>';
    lines.push('', 'Segment new images with this model:', `  npx nnunet predict -i ${images} -o predictions -m ${rel(model)}`);
  }
  return lines;
}

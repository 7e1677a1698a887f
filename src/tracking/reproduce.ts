/**
 * `nnunet reproduce`: re-executes a recorded run from its stored pipeline text and params in a fresh store,
 * then compares action by action: same output digest means bit-identical output.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportError } from '../report/errors.js';
import { artifactDir, flatten, runPipeline, type EngineObserver, type KindRegistry, type RunRecord } from '../engine/index.js';
import { reportStoreDir } from '../report/index.js';
import { diffArtifacts, type ArtifactDiff } from './artifact-diff.js';

export interface ReproduceOptions {
  kinds: KindRegistry;
  /** the store the original run used, to say which files of a differing output differ (default: the recorded one) */
  originalStoreDir?: string;
  /** a fresh store; default: a new temp folder, removed afterwards unless `keepStore` */
  storeDir?: string;
  keepStore?: boolean;
  /** where the rerun's own record goes (default ./runs) */
  runsDir?: string;
  signal?: AbortSignal;
  onEvent?: EngineObserver;
  concurrency?: number;
}

export interface ReproduceReport {
  original: string;
  rerun: RunRecord;
  storeDir: string;
  storeKept: boolean;
  code: { recorded?: string; current?: string; warning?: string };
  /** action ids whose output digests are equal */
  identical: string[];
  differing: Array<{ id: string; recorded: string | null; rerun: string | null; files?: ArtifactDiff }>;
  /** metrics (dotted keys) that differ between the two runs, per action */
  metrics: Array<{ id: string; key: string; recorded: unknown; rerun: unknown }>;
}

const version = (g: RunRecord['git']): string | undefined => (g ? `${g.commit}${g.dirty ? '+dirty' : ''}` : undefined);

/** The recorded params as `--set` overrides (JSON is valid YAML, so every value round-trips). */
export function paramsAsOverrides(params: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(flatten(params)).map(([k, v]) => [k, JSON.stringify(v)]));
}

function codeVersion(original: RunRecord, rerun: RunRecord): ReproduceReport['code'] {
  const [recorded, current] = [version(original.git), version(rerun.git)];
  const warning = !recorded ? 'the original run recorded no code version (not run inside a git repository)'
    : recorded !== current ? `code version differs: recorded ${recorded}, now ${current ?? 'unknown'}`
      : original.git?.dirty ? 'the original run had uncommitted changes: the code it ran cannot be pinned down'
        : undefined;
  return { recorded, current, ...(warning ? { warning } : {}) };
}

export function compareOutcomes(original: RunRecord, rerun: RunRecord): Pick<ReproduceReport, 'identical' | 'differing' | 'metrics'> {
  const again = new Map(rerun.nodes.map((n) => [n.id, n]));
  const identical: string[] = [];
  const differing: ReproduceReport['differing'] = [];
  const metrics: ReproduceReport['metrics'] = [];
  const ids = [...new Set([...original.nodes.map((n) => n.id), ...rerun.nodes.map((n) => n.id)])];
  const before = new Map(original.nodes.map((n) => [n.id, n]));
  for (const id of ids) {
    const [a, b] = [before.get(id), again.get(id)];
    const [da, db] = [a?.outputs?.digest ?? null, b?.outputs?.digest ?? null];
    if (da !== null && da === db) identical.push(id);
    else differing.push({ id, recorded: da, rerun: db });
    const [ma, mb] = [flatten(a?.metrics ?? {}), flatten(b?.metrics ?? {})];
    for (const key of [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort()) {
      if (JSON.stringify(ma[key]) !== JSON.stringify(mb[key])) metrics.push({ id, key, recorded: ma[key], rerun: mb[key] });
    }
  }
  return { identical, differing, metrics };
}

/** A store that already holds results would serve them from cache: the rerun would prove nothing. */
async function assertFresh(storeDir: string): Promise<void> {
  const entries = await readdir(storeDir).catch(() => []);
  if (entries.length) {
    throw new ReportError('REPRODUCE_STORE_NOT_FRESH', `${storeDir} is not empty: reproduce needs a fresh store so every action really runs`, { file: storeDir });
  }
}

/** File-level comparison where both outputs are still readable; an original store since collected is no error. */
async function explainDiffering(differing: ReproduceReport['differing'], originalStore: string, freshStore: string): Promise<void> {
  for (const d of differing) {
    if (!d.recorded || !d.rerun) continue;
    try {
      d.files = await diffArtifacts(await artifactDir(originalStore, d.recorded), await artifactDir(freshStore, d.rerun));
    } catch {
      // the original artifact is gone: the digest mismatch is all there is to say
    }
  }
}

export async function reproduceRun(original: RunRecord, opts: ReproduceOptions): Promise<ReproduceReport> {
  const temp = opts.storeDir === undefined;
  if (opts.storeDir !== undefined) await assertFresh(opts.storeDir);
  const storeDir = opts.storeDir ?? await mkdtemp(join(tmpdir(), 'nnunet-reproduce-'));
  try {
    const rerun = await runPipeline({
      pipelineText: original.pipeline.text, pipelineFile: original.pipeline.file, kinds: opts.kinds,
      set: paramsAsOverrides(original.params), targets: original.targets, storeDir, runsDir: opts.runsDir,
      name: `reproduce ${original.id}`, tags: ['reproduce', ...(original.tags ?? [])], quiet: true,
      signal: opts.signal, onEvent: opts.onEvent, concurrency: opts.concurrency,
    });
    const outcome = compareOutcomes(original, rerun);
    await explainDiffering(outcome.differing, reportStoreDir(original, opts.originalStoreDir), storeDir);
    return { original: original.id, rerun, storeDir, storeKept: !temp || !!opts.keepStore, code: codeVersion(original, rerun), ...outcome };
  } finally {
    if (temp && !opts.keepStore) await rm(storeDir, { recursive: true, force: true });
  }
}

function filesNote(f: ArtifactDiff): string {
  const changed = [...f.differ, ...f.onlyOne.map((p) => `${p} (one side only)`)];
  return ` (${f.identical} file(s) identical; differ: ${changed.slice(0, 6).join(', ')}${changed.length > 6 ? `, +${changed.length - 6} more` : ''})`;
}

const show = (v: unknown): string => (v === undefined ? '-' : JSON.stringify(v));

export function formatReproduce(r: ReproduceReport): string {
  const total = r.identical.length + r.differing.length;
  const lines = [
    ...(r.code.warning ? [`warning: ${r.code.warning}`] : []),
    `reproduced ${r.original} as ${r.rerun.id} (${r.rerun.status}) in ${r.storeKept ? r.storeDir : 'a temporary store (removed)'}`,
    `bit-identical outputs: ${r.identical.length} of ${total} actions`,
    ...r.differing.map((d) => `  differs  ${d.id}: ${d.recorded?.slice(0, 12) ?? 'none'} -> ${d.rerun?.slice(0, 12) ?? 'none'}${d.files ? filesNote(d.files) : ''}`),
  ];
  lines.push(r.metrics.length ? `metrics that differ: ${r.metrics.length}` : 'metrics: all equal');
  for (const m of r.metrics) lines.push(`  ${m.id} ${m.key}: ${show(m.recorded)} -> ${show(m.rerun)}`);
  return lines.join('\n');
}

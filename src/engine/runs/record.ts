import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { withPath } from '../fs-errors.js';
import { sha256 } from '../hash/digest.js';
import { compile, schemaProblems } from '../pipeline/ajv.js';
import type { ActionStatus, Outcome } from '../exec/outcome.js';

/** `runs/<id>/run.json`: the contract experiment tooling reads (schemas/run.schema.json). */
export interface RunRecord {
  id: string;
  status: 'succeeded' | 'failed' | 'aborted';
  nodes: RunNodeRecord[];
  /** action id -> metrics that action reported */
  metrics: Record<string, unknown>;
  params: Record<string, unknown>;
  pipeline: { file?: string; name?: string; digest: string; text: string };
  startedAt: string;
  durationMs: number;
  environment: Record<string, unknown>;
  git?: { commit: string; dirty: boolean };
  name?: string;
  tags?: string[];
  targets?: string[];
  /** counts per action status */
  summary?: Partial<Record<ActionStatus, number>>;
}

export interface RunNodeRecord {
  id: string;
  node: string;
  kind: string;
  status: ActionStatus;
  key: string;
  durationMs: number;
  outputs: { digest: string } | null;
  metrics: Record<string, unknown>;
  /** wall-clock figures of the execution that produced the output; reproduce does not compare them */
  timings?: Record<string, unknown>;
  matrix: Record<string, unknown>;
  item?: string;
  error?: { code: string; message: string };
  /** for an action that ran or failed: why it was not cached (param changed, file changed, never run...) */
  why?: string[];
}

const runSchema = JSON.parse(readFileSync(new URL('../../../schemas/run.schema.json', import.meta.url), 'utf8')) as object;

export function newRunId(now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${randomBytes(3).toString('hex')}`;
}

export function nodeRecord(o: Outcome): RunNodeRecord {
  return {
    id: o.id, node: o.node, kind: o.kind, status: o.status, key: o.key, durationMs: o.durationMs,
    outputs: o.output !== undefined && (o.status === 'ran' || o.status === 'cached') ? { digest: o.output } : null,
    metrics: o.metrics, ...(o.timings ? { timings: o.timings } : {}), matrix: o.matrix,
    ...(o.item ? { item: o.item.id } : {}), ...(o.error ? { error: o.error } : {}), ...(o.why ? { why: o.why } : {}),
  };
}

/** Counts per action status, in a fixed order (statuses with none left out). */
export function summaryOf(statuses: readonly ActionStatus[]): Partial<Record<ActionStatus, number>> {
  const summary: Partial<Record<ActionStatus, number>> = {};
  for (const s of ['cached', 'ran', 'failed', 'aborted', 'skipped'] as const) {
    const n = statuses.filter((x) => x === s).length;
    if (n) summary[s] = n;
  }
  return summary;
}

/** Action id -> metrics, for the actions that reported any. */
export function metricsOf(nodes: ReadonlyArray<{ id: string; metrics: Record<string, unknown> }>): Record<string, unknown> {
  return Object.fromEntries(nodes.filter((n) => Object.keys(n.metrics).length).map((n) => [n.id, n.metrics]));
}

/** File name for an action's log: action ids contain brackets and commas, never slashes after this. */
export function logFileName(actionId: string): string {
  const safe = actionId.replace(/[^A-Za-z0-9._=,[\]-]/g, '_');
  // file names stop at 255 bytes; a long matrix x item id keeps its start and a digest of the whole
  return `${safe.length > 200 ? `${safe.slice(0, 180)}~${sha256(actionId).slice(0, 12)}` : safe}.log`;
}

export function validateRunRecord(rec: unknown): string[] {
  const v = compile(runSchema);
  return v(rec) ? [] : schemaProblems(v.errors).map((p) => `/${p.path.join('/')}: ${p.message}`);
}

export async function writeRunRecord(runsDir: string, rec: RunRecord, outcomes: readonly Outcome[]): Promise<string> {
  const problems = validateRunRecord(rec);
  if (problems.length) throw new StoreError('RUN_RECORD_INVALID', `run record does not match run.schema.json: ${problems.join('; ')}`);
  const dir = join(runsDir, rec.id);
  await mkdir(join(dir, 'logs'), { recursive: true });
  for (const o of outcomes) {
    if (o.log.length) await writeFile(join(dir, 'logs', logFileName(o.id)), `${o.log.join('\n')}\n`);
  }
  const tmp = join(dir, `run.json.${process.pid}.tmp`);
  try {
    await writeFile(tmp, `${JSON.stringify(rec, null, 2)}\n`);
    await rename(tmp, join(dir, 'run.json'));
  } catch (err) {
    await rm(tmp, { force: true });
    throw withPath(err, join(dir, 'run.json'));
  }
  return dir;
}

/**
 * `runs compare`: what differs across any number of runs (the pipeline text, params, action outputs) and what it did
 * to Dice per label per configuration, plus action statuses that differ.
 */
import { flatten, type RunRecord } from '../engine/index.js';
import { ReportError } from '../report/errors.js';
import { diceFigures, figureKey } from './metrics.js';

export interface Comparison {
  runs: Array<{ id: string; name?: string; status: string; commit?: string }>;
  /** only params whose values are not all equal; `missing`: the runs (by index) that have no such param (JSON says null) */
  params: Array<{ key: string; values: unknown[]; missing?: number[] }>;
  metrics: Array<{ configuration: string; scope: string; label: string; values: Array<number | null> }>;
  /** only actions whose status is not the same in every run (null: the run has no such action) */
  statuses: Array<{ action: string; values: Array<string | null> }>;
  /** the pipeline text's digest per run, when they are not all equal (an edit that --set params do not show) */
  pipeline?: string[];
  /** actions whose output is not the same in every run, in pipeline order: where a data or code change shows */
  outputs: Array<{ action: string; values: Array<string | null> }>;
}

/** Rows of differing outputs shown before the rest is counted in one line. */
const MAX_OUTPUT_ROWS = 30;

export type CompareFormat = 'md' | 'csv' | 'json';

export function compareRuns(records: readonly RunRecord[]): Comparison {
  const flat = records.map((r) => flatten(r.params));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const params = keys.map((key) => {
    const missing = flat.flatMap((f, i) => (key in f ? [] : [i]));
    return { key, values: flat.map((f) => f[key]), ...(missing.length ? { missing } : {}) };
  }).filter((p) => new Set(p.values.map((v) => JSON.stringify(v))).size > 1);
  const perRun = records.map((r) => new Map(diceFigures(r).map((f) => [figureKey(f), f])));
  const order = new Map<string, { configuration: string; scope: string; label: string }>();
  for (const m of perRun) for (const [k, f] of m) if (!order.has(k)) order.set(k, f);
  // cross-validation first, then folds in order; labels as the runs list them
  const rank = (s: string) => (s === 'cross-validation' ? -1 : Number(s.replace(/^fold /, '')) || 0);
  const metrics = [...order.entries()]
    .sort(([, a], [, b]) => a.configuration.localeCompare(b.configuration) || rank(a.scope) - rank(b.scope))
    .map(([k, f]) => ({ configuration: f.configuration, scope: f.scope, label: f.label, values: perRun.map((m) => m.get(k)?.value ?? null) }));
  const differing = (value: (n: RunRecord['nodes'][number]) => string | null) => {
    const byRun = records.map((r) => new Map(r.nodes.map((n) => [n.id, value(n)])));
    return [...new Set(records.flatMap((r) => r.nodes.map((n) => n.id)))]
      .map((action) => ({ action, values: byRun.map((m) => m.get(action) ?? null) }))
      .filter((s) => new Set(s.values).size > 1);
  };
  const digests = records.map((r) => r.pipeline.digest);
  return {
    runs: records.map((r) => ({ id: r.id, ...(r.name ? { name: r.name } : {}), status: r.status, ...(r.git ? { commit: r.git.commit + (r.git.dirty ? '+dirty' : '') } : {}) })),
    ...(new Set(digests).size > 1 ? { pipeline: digests } : {}),
    params, metrics, statuses: differing((n) => n.status), outputs: differing((n) => n.outputs?.digest ?? null),
  };
}

const short = (digest: string | null): string => (digest ? digest.slice(0, 12) : '-');

const text = (v: unknown): string => (v === undefined ? '' : v === null ? 'null' : typeof v === 'number' ? String(Number(v.toPrecision(6))) : typeof v === 'string' ? v : JSON.stringify(v));
const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const mdCell = (s: string): string => s.replace(/\|/g, '\\|');

function rows(c: Comparison): string[][] {
  const head = ['section', 'key', ...c.runs.map((r) => r.name ? `${r.id} (${r.name})` : r.id)];
  return [
    head,
    ...(c.runs.some((r) => r.commit) ? [['code', 'git commit', ...c.runs.map((r) => r.commit ?? '')]] : []),
    ...(c.pipeline ? [['code', 'pipeline text', ...c.pipeline.map(short)]] : []),
    ...c.params.map((p) => ['param', p.key, ...p.values.map(text)]),
    ...c.metrics.map((m) => ['dice', `${m.configuration} ${m.scope} ${m.label === 'foreground mean' ? m.label : `label ${m.label}`}`, ...m.values.map(text)]),
    ...c.outputs.slice(0, MAX_OUTPUT_ROWS).map((o) => ['output', o.action, ...o.values.map(short)]),
    ...(c.outputs.length > MAX_OUTPUT_ROWS ? [['output', `and ${c.outputs.length - MAX_OUTPUT_ROWS} more actions`, ...c.runs.map(() => '')]] : []),
    ...c.statuses.map((s) => ['status', s.action, ...s.values.map((v) => v ?? '-')]),
  ];
}

export function formatComparison(c: Comparison, format: CompareFormat): string {
  if (format === 'json') return `${JSON.stringify(c, null, 2)}\n`;
  const table = rows(c);
  if (format === 'csv') return `${table.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
  const [head, ...body] = table;
  const line = (r: string[]) => `| ${r.map(mdCell).join(' | ')} |`;
  return `${[line(head), line(head.map(() => '---')), ...body.map(line)].join('\n')}\n`;
}

export function parseCompareFormat(value: string): CompareFormat {
  if (value === 'md' || value === 'csv' || value === 'json') return value;
  throw new ReportError('CLI_BAD_FORMAT', `--format must be md, csv or json, got '${value}'`);
}

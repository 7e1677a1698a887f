/** `nnunet runs ls | show <id> | diff <a> <b>`: the experiment history kept in runs/. */
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { diffRuns, readRun, runsInProgress, scanRuns, type RunRecord } from '../../engine/index.js';
import { globalDirs } from './run.js';

const cell = (v: unknown): string => (v === undefined ? '-' : typeof v === 'number' ? String(Number(v.toPrecision(6))) : typeof v === 'string' ? v : JSON.stringify(v));

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

function counts(r: RunRecord): string {
  return Object.entries(r.summary ?? {}).map(([k, v]) => `${v} ${k}`).join(', ');
}

export function formatRun(r: RunRecord): string {
  const head = [
    `run ${r.id}${r.name ? ` (${r.name})` : ''}: ${r.status}, ${(r.durationMs / 1000).toFixed(1)}s, started ${r.startedAt}`,
    `pipeline ${r.pipeline.file ?? '(text)'} ${r.pipeline.digest.slice(0, 12)}${r.git ? `  git ${r.git.commit.slice(0, 10)}${r.git.dirty ? '+dirty' : ''}` : ''}`,
    ...(r.tags?.length ? [`tags ${r.tags.join(', ')}`] : []),
    counts(r),
  ];
  const nodes = table([['status', 'action', 'time', 'output'], ...r.nodes.map((n) => [n.status, n.id, `${(n.durationMs / 1000).toFixed(2)}s`,
    n.outputs?.digest.slice(0, 12) ?? (n.error ? `${n.error.code}: ${n.error.message}` : '-')])]);
  const metrics = Object.entries(r.metrics).map(([id, m]) => `  ${id}: ${JSON.stringify(m)}`);
  const why = r.nodes.filter((n) => n.why?.length).map((n) => `  ${n.id}: ${n.why!.join('; ')}`);
  return [...head, '', nodes, ...(why.length ? ['', 'why these ran', ...why] : []), ...(metrics.length ? ['', 'metrics', ...metrics] : [])].join('\n');
}

export function register(program: Command): void {
  const runs = program.command('runs').description('list, show and compare recorded runs');
  const dir = (cmd: Command): string => resolve(globalDirs(cmd).runsDir ?? 'runs');
  runs.command('ls').description('list runs, oldest first').action(async (_o: unknown, cmd: Command) => {
    const { runs: list, damaged } = await scanRuns(dir(cmd));
    const going = await runsInProgress(dir(cmd));
    // a damaged record is named, never silently missing from the list
    for (const file of damaged) process.stderr.write(`${file}: not a readable run record (nnunet runs show ${basename(dirname(file))} says why)\n`);
    if (!list.length && !going.length) return void process.stdout.write('no runs recorded\n');
    const row = (r: RunRecord, status: string, ms: number): string[] => [r.id, status, r.name ?? r.pipeline.name ?? '', `${(ms / 1000).toFixed(1)}s`, counts(r)];
    process.stdout.write(`${table([['id', 'status', 'name', 'duration', 'actions'], ...list.map((r) => row(r, r.status, r.durationMs)),
      ...going.map((r) => row(r, 'running', Date.now() - Date.parse(r.startedAt)))])}\n`);
  });
  runs.command('show').description('one run: params, actions, metrics').argument('<id>', 'run id, unique prefix or latest[~N]')
    .option('--json', 'print run.json').action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const r = await readRun(dir(cmd), id);
      process.stdout.write(`${o.json ? JSON.stringify(r, null, 2) : formatRun(r)}\n`);
    });
  runs.command('diff').description('params, metrics and action statuses of two runs side by side')
    .argument('<a>', 'run id').argument('<b>', 'run id').option('--all', 'show equal rows too')
    .action(async (a: string, b: string, o: { all?: boolean }, cmd: Command) => {
      const [ra, rb] = [await readRun(dir(cmd), a), await readRun(dir(cmd), b)];
      const rows = diffRuns(ra, rb, o.all);
      if (!rows.length) return void process.stdout.write('no differences in params, metrics or statuses\n');
      process.stdout.write(`${table([['', 'key', ra.id, rb.id], ...rows.map((x) => [x.section, x.key, cell(x.a), cell(x.b)])])}\n`);
    });
}

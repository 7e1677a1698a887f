/**
 * Engine benchmark (issue 2): a toy pipeline over 10,000 input files (list -> one action per file -> gather).
 * Prints the cold run, the null rerun (target < 1 s), detecting and rerunning one changed file (target < 1 s
 * plus the node's work) and the engine's overhead per action, each as wall time and as this process's CPU time
 * (the machine may be shared). Published anchor: DVC needs about 2 s for
 * `status` on a 100k-file directory and historically re-hashed everything when one file changed.
 * Then the time to load 1, 5 and 10 MB pipeline files (issue 17: loading must grow linearly).
 * Env: ENGINE_BENCH_FILES (default 10000), ENGINE_BENCH_LOAD=0 skips the load rows.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlan, runPipeline, type KindRegistry, type NodeKind, type RunRecord } from '../src/engine/index.js';

const list: NodeKind<{ dir: string }> = {
  kind: 'list', version: '1', description: 'one item per file', params: { type: 'object', properties: { dir: { type: 'string', format: 'path' } } },
  externalInputs: (p) => [p.dir],
  async run(ctx) {
    const names = (await readdir(ctx.params.dir)).sort();
    const items = await Promise.all(names.map(async (n) => ({ id: n, digest: await ctx.hashPath!(join(ctx.params.dir, n)), data: { path: join(ctx.params.dir, n) } })));
    await writeFile(join(ctx.outDir, 'n.txt'), String(items.length));
    return { items, itemLabel: 'file' };
  },
};
const copy: NodeKind<Record<string, never>> = {
  kind: 'copy', version: '1', description: 'copies its item', params: { type: 'object', properties: {} }, foreach: 'src',
  async run(ctx) {
    await writeFile(join(ctx.outDir, 'out.txt'), await readFile((ctx.item!.data as { path: string }).path));
  },
};
const count: NodeKind<Record<string, never>> = {
  kind: 'count', version: '1', description: 'counts its inputs', params: { type: 'object', properties: {} },
  async run(ctx) {
    await writeFile(join(ctx.outDir, 'n.txt'), String(ctx.inputs.copied.length));
  },
};
const kinds: KindRegistry = { list, copy, count };

const PIPELINE = `version: 1
name: bench
nodes:
  src:  { uses: list, with: { dir: ./data } }
  copy: { uses: copy, needs: [src] }
  sum:  { uses: count, needs: { copied: copy } }
`;

/** Wall time, and this process's CPU time (user + sys): the figure that holds on a machine shared with other jobs. */
async function timed(f: () => Promise<RunRecord>): Promise<{ s: number; cpu: number; rec: RunRecord }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const rec = await f();
  const c = process.cpuUsage(c0);
  return { s: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, rec };
}

const fmt = (t: { s: number; cpu: number }, digits = 3): string => `${t.s.toFixed(digits)} (cpu ${t.cpu.toFixed(digits)})`;

const ran = (r: RunRecord): number => r.nodes.filter((n) => n.status === 'ran').length;

/** A pipeline file of about `mb` megabytes: a chain of count nodes, each with a description and params. */
function bigPipeline(mb: number): string {
  const lines = ['version: 1', 'name: big', 'params: { sep: "," }', 'nodes:', '  n0: { uses: list, with: { dir: ./data } }'];
  let size = lines.join('\n').length;
  for (let i = 1; size < mb * 1024 * 1024; i++) {
    const l = `  n${i}:\n    uses: count\n    description: "step ${i} of a long generated pipeline"\n    needs: { copied: n${i - 1} }`;
    lines.push(l);
    size += l.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** CPU seconds to parse, validate and plan 1, 5 and 10 MB pipeline files: must grow linearly with the size. */
async function loadRows(root: string): Promise<Array<[string, string, string, string]>> {
  const rows: Array<[string, string, string, string]> = [];
  let perMb1 = 0;
  for (const mb of [1, 5, 10]) {
    const file = join(root, `big-${mb}.yaml`);
    await writeFile(file, bigPipeline(mb));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const plan = await buildPlan({ pipelineFile: file, kinds });
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    if (mb === 1) perMb1 = cpu;
    rows.push([`load a ${mb} MB pipeline (${plan.nodes.size} nodes) (s)`, `${((performance.now() - t0) / 1000).toFixed(2)} (cpu ${cpu.toFixed(2)})`,
      mb === 1 ? 'linear growth' : `${mb}x the 1 MB cpu = ${(perMb1 * mb).toFixed(2)}`, mb === 1 ? '' : `${(cpu / (perMb1 * mb)).toFixed(2)}x linear`]);
  }
  return rows;
}

export async function run(): Promise<void> {
  const n = Number(process.env.ENGINE_BENCH_FILES ?? 10_000);
  const root = await mkdtemp(join(tmpdir(), 'nnunet-bench-engine-'));
  try {
    await mkdir(join(root, 'data'));
    const old = new Date(Date.now() - 60_000); // settled files, as a dataset on disk is (not "racy" for the stat cache)
    for (let i = 0; i < n; i++) {
      const f = join(root, 'data', `case_${String(i).padStart(5, '0')}.txt`);
      await writeFile(f, `case ${i}\n`);
      await utimes(f, old, old);
    }
    await writeFile(join(root, 'pipeline.yaml'), PIPELINE);
    const go = (): Promise<RunRecord> => runPipeline({ pipelineFile: join(root, 'pipeline.yaml'), kinds, storeDir: join(root, '.nnunet'), runsDir: join(root, 'runs'), quiet: true });
    const cold = await timed(go);
    const nuls = [await timed(go), await timed(go), await timed(go)];
    const nul = nuls.reduce((a, b) => (b.s < a.s ? b : a));
    await writeFile(join(root, 'data', 'case_00042.txt'), 'changed\n');
    const one = await timed(go);
    const actions = cold.rec.nodes.length;
    const rows: Array<[string, string, string, string]> = [
      ['actions in the pipeline', String(actions), '', ''],
      ['cold run (s)', fmt(cold, 2), '', `${ran(cold.rec)} ran`],
      ['null rerun, best of 3 (s)', fmt(nul), 'target 1.0; DVC status 100k files ~2', `${nul.s.toFixed(2)}x target, ${ran(nul.rec)} ran`],
      ['one changed file: detect + rerun (s)', fmt(one), 'target 1.0 + node work', `${ran(one.rec)} ran (${one.rec.nodes.filter((x) => x.status === 'ran').map((x) => x.id).join(', ')})`],
      ['engine overhead per executed action (ms)', ((cold.s * 1000) / actions).toFixed(2), '', `cold run / actions (toy work is ~0); cpu ${((cold.cpu * 1000) / actions).toFixed(2)}`],
      ['engine cost per cached action (ms)', ((nul.s * 1000) / actions).toFixed(3), '', `null rerun / actions; cpu ${((nul.cpu * 1000) / actions).toFixed(3)}`],
      ...(process.env.ENGINE_BENCH_LOAD === '0' ? [] : await loadRows(root)),
    ];
    const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ['figure', 'value', 'baseline'][i].length));
    console.log(`${'figure'.padEnd(w[0])}  ${'value'.padEnd(w[1])}  ${'baseline'.padEnd(w[2])}  ratio / note`);
    for (const r of rows) console.log(`${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padEnd(w[2])}  ${r[3]}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

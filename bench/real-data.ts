/**
 * Real-data check (not CI): pipelines/nnunet.yaml on ../shared/datasets/Dataset004_Hippocampus - plan,
 * preprocess, train 3d_fullres fold 0 with a short budget, validate the fold's validation cases - printing
 * Dice per label and wall time; then the same run again to show the cache makes it instant. The Dice table is
 * in each run record (nodes[].metrics of the validate/evaluate actions).
 * Budget: BENCH_EPOCHS (default 3) x BENCH_ITERATIONS (default 20) iterations.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kinds } from '../nodes/index.js';
import { runPipeline, type RunRecord } from '../src/engine/index.js';

const ROOT = new URL('../../shared/datasets/Dataset004_Hippocampus', import.meta.url).pathname;
const PIPELINE = new URL('../pipelines/nnunet.yaml', import.meta.url).pathname;

function counts(rec: RunRecord): string {
  return Object.entries(rec.summary ?? {}).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ');
}

export async function run(): Promise<void> {
  if (!existsSync(ROOT)) {
    console.log(`skipped: ${ROOT} not found`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'nnunet-real-'));
  const epochs = process.env.BENCH_EPOCHS ?? '3';
  const iterations = process.env.BENCH_ITERATIONS ?? '20';
  const opts = {
    pipelineFile: PIPELINE, kinds, storeDir: join(dir, 'store'), runsDir: join(dir, 'runs'), quiet: true, targets: ['evaluate'],
    set: { dataset: ROOT, configurations: '[3d_fullres]', folds: '[0]', 'train.epochs': epochs,
      'train.iterations_per_epoch': iterations, 'train.val_iterations': '5', 'train.seed': '12345' },
  };
  console.log(`Hippocampus, 3d_fullres fold 0, ${epochs} x ${iterations} iterations; store ${opts.storeDir}`);
  console.log('| run | wall (s) | actions | anterior (1) Dice | posterior (2) Dice | mean foreground |');
  console.log('|---|---|---|---|---|---|');
  for (const label of ['first', 'second (cached)']) {
    const t0 = performance.now();
    const rec = await runPipeline(opts);
    const wall = (performance.now() - t0) / 1000;
    const ev = rec.nodes.find((n) => n.kind === 'evaluate');
    const dice = (ev?.metrics.dice ?? {}) as Record<string, number>;
    const f = (x: unknown) => (typeof x === 'number' ? x.toFixed(4) : 'n/a');
    console.log(`| ${label} | ${wall.toFixed(1)} | ${counts(rec)} | ${f(dice['1'])} | ${f(dice['2'])} | ${f(ev?.metrics.mean_fg_dice)} |`);
    if (rec.status !== 'succeeded') throw new Error(`run ${rec.id} ${rec.status}: ${join(opts.runsDir, rec.id, 'run.json')}`);
  }
}

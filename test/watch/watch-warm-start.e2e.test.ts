/**
 * Watch-mode retraining: a pipeline through preprocessing and a (very short) training with
 * `init_from: previous`. A new case reruns its own case actions, the aggregates and the training, which starts
 * from the previous model of the same node; adding a node to the YAML re-plans and runs only that node.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listRuns, watchPipeline, type RunRecord } from '../../src/engine/index.js';
import { kinds } from '../../nodes/index.js';
import { writeDataset } from '../planning/synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'nnunet-watch-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'Dataset012_Warm');
const pipeline = join(root, 'pipeline.yaml');
const runs = join(root, 'runs');
const PIPELINE = `version: 1
name: warm
params: { dataset: ${data}, init_from: previous }
nodes:
  dataset: { uses: dataset, with: { path: \${params.dataset} } }
  case_fingerprint: { uses: case-fingerprint, needs: [dataset], foreach: dataset }
  fingerprint: { uses: fingerprint, needs: { cases: case_fingerprint, dataset: dataset } }
  plan: { uses: plan, needs: [fingerprint] }
  split: { uses: split, needs: [dataset], with: { folds: 2 } }
  preprocess: { uses: preprocess, needs: [dataset, plan], foreach: dataset, with: { configuration: 3d_fullres } }
  train:
    uses: train-fold
    needs: [dataset, plan, split, preprocess]
    with: { configuration: 3d_fullres, fold: 0, epochs: 1, iterations_per_epoch: 1, val_iterations: 1, seed: 3, batch_size: 2,
            patch_size: [8, 8, 8], loader_workers: 0, init_from: \${params.init_from} }
`;
const ran = (r: RunRecord) => r.nodes.filter((n) => n.status === 'ran').map((n) => n.id).sort();
const trainLog = (r: RunRecord) => readFileSync(join(runs, r.id, 'logs', 'train.log'), 'utf8');
const shape: [number, number, number] = [10, 12, 14];

describe('watch-mode retraining', () => {
  it('retrains warm-started from the previous model when a case arrives', async () => {
    await writeDataset(data, [{ id: 'c1', shape }, { id: 'c2', shape }, { id: 'c3', shape }]);
    writeFileSync(pipeline, PIPELINE);
    const ac = new AbortController();
    const cycles: RunRecord[] = [];
    const errors: unknown[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((r) => { ready = r; });
    const done = watchPipeline({
      pipelineFile: pipeline, kinds, storeDir: join(root, 'store'), runsDir: runs, debounceMs: 1500, signal: ac.signal,
      onReady: ready, onCycle: (c) => { if (c.record) cycles.push(c.record); if (c.error) errors.push(c.error); },
    });
    const cycle = async (n: number): Promise<RunRecord> => {
      const end = Date.now() + 240_000;
      while (cycles.length < n && !errors.length) {
        if (Date.now() > end) throw new Error(`no cycle ${n}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(errors).toEqual([]);
      return cycles[n - 1];
    };
    try {
      await isReady;
      const first = await cycle(1);
      expect(first.nodes.filter((n) => n.error).map((n) => n.error)).toEqual([]);
      expect(trainLog(first)).toContain('no earlier result of this action, training from scratch');

      // the whole dataset folder rewritten with a fourth case (dataset.json's count included), as a copy would
      await writeDataset(data, [{ id: 'c1', shape }, { id: 'c2', shape }, { id: 'c3', shape }, { id: 'c4', shape }]);
      const second = await cycle(2);
      expect(second.status).toBe('succeeded');
      expect(ran(second)).toEqual(expect.arrayContaining(['case_fingerprint[case=c4]', 'dataset', 'fingerprint', 'preprocess[case=c4]', 'split', 'train']));
      expect(ran(second)).not.toContain('case_fingerprint[case=c1]');
      const previous = first.nodes.find((n) => n.id === 'train')!.outputs!.digest;
      expect(trainLog(second)).toContain(`initialised from ${join(root, 'store')}`);
      expect(trainLog(second)).toContain(`${previous}/checkpoint_final`);

      // a new node: re-planned, and nothing else reruns
      writeFileSync(pipeline, `${PIPELINE}  split3: { uses: split, needs: [dataset], with: { folds: 3 } }\n`);
      expect(ran(await cycle(3))).toEqual(['split3']);
      expect(await listRuns(runs)).toHaveLength(3);
    } finally {
      ac.abort();
      await done;
    }
  });
});

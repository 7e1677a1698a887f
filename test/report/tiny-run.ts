/**
 * A real, small nnU-Net run for report tests: a generated phantom dataset through fingerprint, plan, split,
 * preprocess, a 2-epoch training of one fold, its validation and the cross-validation evaluation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kinds } from '../../nodes/index.js';
import { runPipeline, type RunRecord } from '../../src/engine/index.js';

export const TINY_PIPELINE = `version: 1
name: report-tiny
params:
  cases: 4
  folds: [0]
  train: { epochs: 2, iterations_per_epoch: 2, seed: 7 }
nodes:
  phantoms:
    uses: synthetic-dataset
    with: { cases: "\${params.cases}", test_cases: 0, shape: [16, 20, 16] }
  dataset: { uses: dataset, needs: { source: phantoms }, with: { name: Dataset998_Tiny } }
  case_fingerprint: { uses: case-fingerprint, needs: [dataset], foreach: dataset }
  fingerprint: { uses: fingerprint, needs: { cases: case_fingerprint, dataset: dataset } }
  plan: { uses: plan, needs: [fingerprint] }
  split: { uses: split, needs: [dataset], with: { folds: 2 } }
  preprocess:
    uses: preprocess
    needs: [dataset, plan]
    foreach: dataset
    matrix: { configuration: [3d_fullres] }
    with: { configuration: "\${matrix.configuration}" }
  train:
    uses: train-fold
    needs: [dataset, plan, split, preprocess]
    matrix: { configuration: [3d_fullres], fold: "\${params.folds}" }
    with:
      configuration: "\${matrix.configuration}"
      fold: "\${matrix.fold}"
      epochs: "\${params.train.epochs}"
      iterations_per_epoch: "\${params.train.iterations_per_epoch}"
      val_iterations: 1
      seed: "\${params.train.seed}"
      batch_size: 2
      patch_size: [16, 16, 16]
      loader_workers: 0
  validate:
    uses: validate
    needs: [dataset, split, train, preprocess]
    matrix: { configuration: [3d_fullres], fold: "\${params.folds}" }
    with: { configuration: "\${matrix.configuration}", fold: "\${matrix.fold}", tta: false, save_probabilities: false }
  evaluate:
    uses: evaluate
    needs: [validate]
    matrix: { configuration: [3d_fullres] }
    with: { configuration: "\${matrix.configuration}" }
`;

export interface TinyProject {
  root: string;
  pipeline: string;
  store: string;
  runs: string;
  run(targets?: string[]): Promise<RunRecord>;
  cleanup(): void;
}

export function tinyProject(): TinyProject {
  const root = mkdtempSync(join(tmpdir(), 'nnunet-report-'));
  const pipeline = join(root, 'pipeline.yaml');
  writeFileSync(pipeline, TINY_PIPELINE);
  const [store, runs] = [join(root, 'store'), join(root, 'runs')];
  return {
    root, pipeline, store, runs,
    run: (targets) => runPipeline({ pipelineFile: pipeline, kinds, storeDir: store, runsDir: runs, quiet: true, targets }),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

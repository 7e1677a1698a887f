/**
 * validate -> evaluate -> find-best -> postprocess -> export -> predict -> ensemble through the real engine, on
 * the synthetic phantom dataset with the real dataset/plan/split/preprocess nodes. Training is replaced by a kind
 * that saves randomly initialised networks built from the real plans: these tests are about the wiring and file
 * contracts, not about accuracy (train-fold has its own tests).
 */
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactDir, runPipeline, type ActionContext, type NodeKind, type RunRecord } from '../../src/engine/index.js';
import '../../src/nn/ops/index.js';
import { readSegmentation } from '../../src/imaging/index.js';
import { saveCheckpoint } from '../../src/nn/checkpoint.js';
import { networkSpec, UNet, type PlansArchitecture } from '../../src/nn/unet/index.js';
import { kinds } from '../../nodes/index.js';
import type { DatasetJson } from '../../nodes/dataset/format.js';
import { readCaseListing } from '../../nodes/dataset/listing.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { findBestCommand } from '../../src/cli/commands/find-best.js';
import { predictCommand } from '../../src/cli/commands/predict.js';
import { allLabels } from '../../nodes/dataset/labels.js';
import type { Plans } from '../../nodes/plan/format.js';
import { resolveConfiguration } from '../../nodes/plan/resolve.js';

const dir = mkdtempSync(join(tmpdir(), 'nnunet-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const store = join(dir, 'store');

const randomTrain: NodeKind<{ configuration: string; fold: number }> = {
  kind: 'random-train',
  version: '1',
  description: 'test stand-in for train-fold: a randomly initialised network in the checkpoint format',
  params: { type: 'object', properties: { configuration: { type: 'string' }, fold: { type: 'integer' } }, required: ['configuration', 'fold'] },
  async run(ctx: ActionContext<{ configuration: string; fold: number }>) {
    const plans = JSON.parse(await readFile(join(ctx.input('plan').dir, 'nnUNetPlans.json'), 'utf8')) as Plans;
    const ds = JSON.parse(await readFile(join(ctx.input('dataset').dir, 'dataset.json'), 'utf8')) as DatasetJson;
    const { configuration, fold } = ctx.params;
    const config = resolveConfiguration(plans, configuration);
    const inputs = Object.keys(ds.channel_names ?? {}).length;
    const outputs = allLabels(ds.labels).length;
    const net = new UNet(networkSpec(config.architecture as unknown as PlansArchitecture, inputs, outputs), 7 + fold);
    await saveCheckpoint(join(ctx.outDir, 'checkpoint_final'), net, null, {
      configuration, fold, plans, configurationPlan: config, datasetJson: ds, inputChannels: inputs, numOutputs: outputs,
      currentEpoch: 0, bestEma: null, ema: null, log: [], mirrorAxes: config.patch_size.map((_, i) => i), info: {},
    });
    net.dispose();
  },
};

const pipeline = `
version: 1
name: predict-chain
params: { configurations: [3d_fullres, 2d], folds: [0, 1] }
nodes:
  phantoms: { uses: synthetic-dataset, with: { cases: 6, test_cases: 2, shape: [14, 18, 14] } }
  dataset: { uses: dataset, needs: { source: phantoms }, with: { name: Dataset998_Chain } }
  case_fingerprint: { uses: case-fingerprint, needs: [dataset], foreach: dataset }
  fingerprint: { uses: fingerprint, needs: { cases: case_fingerprint, dataset: dataset } }
  plan: { uses: plan, needs: [fingerprint] }
  split: { uses: split, needs: [dataset], with: { folds: 3 } }
  preprocess:
    uses: preprocess
    needs: [dataset, plan]
    foreach: dataset
    matrix: { configuration: "\${params.configurations}" }
    with: { configuration: "\${matrix.configuration}" }
  train:
    uses: random-train
    needs: [dataset, plan]
    matrix: { configuration: "\${params.configurations}", fold: "\${params.folds}" }
    with: { configuration: "\${matrix.configuration}", fold: "\${matrix.fold}" }
  validate:
    uses: validate
    needs: [dataset, split, train, preprocess]
    matrix: { configuration: "\${params.configurations}", fold: "\${params.folds}" }
    with: { configuration: "\${matrix.configuration}", fold: "\${matrix.fold}", tta: false }
  evaluate:
    uses: evaluate
    needs: [validate]
    matrix: { configuration: "\${params.configurations}" }
    with: { configuration: "\${matrix.configuration}" }
  find_best: { uses: find-best, needs: { evaluate: evaluate, dataset: dataset } }
  postprocess: { uses: postprocess, needs: { find-best: find_best, evaluate: evaluate, dataset: dataset } }
  export: { uses: export, needs: { train: train, find-best: find_best, postprocess: postprocess } }
  predict:
    uses: predict
    needs: { model: export, dataset: dataset }
    matrix: { configuration: "\${params.configurations}" }
    with: { configuration: "\${matrix.configuration}", tta: false, save_probabilities: true }
  ensemble: { uses: ensemble, needs: { predict: predict, model: export } }
`;

const run = () => runPipeline({ kinds: { ...kinds, 'random-train': randomTrain }, pipelineText: pipeline, storeDir: store, runsDir: join(dir, 'runs'), quiet: true });
const outputOf = async (r: RunRecord, node: string, matrix?: Record<string, unknown>) => {
  const n = r.nodes.find((x) => x.node === node && x.outputs && (!matrix || Object.entries(matrix).every(([k, v]) => x.matrix[k] === v)));
  if (!n) throw new Error(`no output for ${node}`);
  return artifactDir(store, n.outputs!.digest);
};

describe('inference nodes through the engine', () => {
  it('runs the chain, writes nnU-Net layouts, and a rerun is fully cached', async () => {
    const r = await run();
    const failed = r.nodes.filter((n) => n.status === 'failed').map((n) => `${n.id}: ${n.error?.message}`);
    expect(failed).toEqual([]);
    expect(r.status).toBe('succeeded');

    const val = await outputOf(r, 'validate', { configuration: '3d_fullres', fold: 0 });
    expect(readdirSync(join(val, 'validation')).filter((f) => f.endsWith('.nii.gz')).length).toBe(2);
    const ev = await outputOf(r, 'evaluate', { configuration: '2d' });
    const cv = readdirSync(join(ev, 'crossval_results_folds_0_1'));
    expect(cv.filter((f) => f.endsWith('.nii.gz')).length).toBe(4);
    expect(cv).toContain('summary.json');

    const best = await outputOf(r, 'find_best');
    const info = JSON.parse(readFileSync(join(best, 'inference_information.json'), 'utf8'));
    expect(Object.keys(info.all_results)).toHaveLength(3);
    const model = await outputOf(r, 'export');
    for (const f of ['plans.json', 'dataset.json', 'inference_information.json', 'postprocessing.json',
      '3d_fullres/fold_1/checkpoint_final/manifest.json', '2d/fold_0/checkpoint_final/weights.bin']) {
      expect(existsSync(join(model, f))).toBe(true);
    }
    // the winner's score after postprocessing, as nnU-Net's find_best_configuration records it
    const exported = JSON.parse(readFileSync(join(model, 'inference_information.json'), 'utf8'));
    const postprocessed = JSON.parse(readFileSync(join(await outputOf(r, 'postprocess'), 'postprocessed', 'summary.json'), 'utf8'));
    expect(exported.best_model_or_ensemble.result_on_crossval_post_pp).toBe(postprocessed.foreground_mean.Dice);
    expect(exported.best_model_or_ensemble.result_on_crossval_pre_pp).toBe(info.best_model_or_ensemble.result_on_crossval_pre_pp);
    const pred = await outputOf(r, 'predict', { configuration: '2d' });
    expect(readdirSync(pred).filter((f) => f.endsWith('.nii.gz')).length).toBe(2);
    const ens = await outputOf(r, 'ensemble');
    expect(readdirSync(ens).filter((f) => f.endsWith('.nii.gz')).length).toBe(2);

    const again = await run();
    expect(again.nodes.filter((n) => n.status !== 'cached').map((n) => n.id)).toEqual([]);
  });

  it('nnunet find-best and export read the same store; predict -m takes the exported zip', async () => {
    const file = join(dir, 'chain.yaml');
    writeFileSync(file, pipeline);
    const all = { ...kinds, 'random-train': randomTrain };
    const lines: string[] = [];
    expect(await findBestCommand(file, { node: 'find_best', postprocessNode: 'postprocess', store, runsDir: join(dir, 'runs'), kinds: all }, (l) => lines.push(l))).toBe(0);
    expect(lines.filter((l) => l.startsWith('| nnUNetTrainer__') || l.startsWith('| ensemble___'))).toHaveLength(3);
    expect(lines.some((l) => l.startsWith('chosen: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('postprocessing: '))).toBe(true);
    const zip = join(dir, 'model.zip');
    expect(await exportCommand(file, { output: zip, node: 'export', store, runsDir: join(dir, 'runs'), kinds: all }, () => undefined)).toBe(0);
    const listing = await readCaseListing(await outputOf(await run(), 'dataset'));
    const out = join(dir, 'predicted');
    const images = listing.test.flatMap((c) => c.images);
    expect(await predictCommand({ input: images, output: out, model: zip, configuration: '2d', tta: false, stepSize: 0.5,
      postprocessing: true, numParts: 1, partId: 0 }, () => undefined)).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.nii.gz'))).toHaveLength(listing.test.length);
  });

  it('predict -m applies an ensemble find-best chose: the members predict, their probabilities are averaged, as the ensemble node does', async () => {
    const r = await run();
    const chosen = join(dir, 'ensemble-model');
    cpSync(await outputOf(r, 'export'), chosen, { recursive: true });
    chmodSync(join(chosen, 'inference_information.json'), 0o644);
    const info = JSON.parse(readFileSync(join(chosen, 'inference_information.json'), 'utf8'));
    const member = (configuration: string) => ({ ...info.best_model_or_ensemble.selected_model_or_models[0], configuration });
    info.best_model_or_ensemble.selected_model_or_models = [member('2d'), member('3d_fullres')];
    writeFileSync(join(chosen, 'inference_information.json'), JSON.stringify(info));
    const listing = await readCaseListing(await outputOf(r, 'dataset'));
    const out = join(dir, 'predicted-ensemble');
    const lines: string[] = [];
    expect(await predictCommand({ input: listing.test.flatMap((c) => c.images), output: out, model: chosen, tta: false, stepSize: 0.5,
      postprocessing: true, numParts: 1, partId: 0 }, (l) => lines.push(l))).toBe(0);
    expect(lines.some((l) => l.includes('ensemble of 2d + 3d_fullres'))).toBe(true);
    const viaNode = await outputOf(r, 'ensemble');
    for (const c of listing.test) {
      const [a, b] = await Promise.all([readSegmentation(join(out, `${c.id}.nii.gz`)), readSegmentation(join(viaNode, `${c.id}.nii.gz`))]);
      expect(a.shape).toEqual(b.shape);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
    }
  });
});

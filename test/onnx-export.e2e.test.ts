/**
 * `nnunet export --format onnx` end to end: a phantom model trained through the real pipeline (tiny budget) is
 * exported from the pipeline and from its exported .zip; onnxruntime-node runs a preprocessed patch of a training
 * case and must give our network's logits; the same model written in nnU-Net's format (.pth) predicts through -m
 * what our model folder predicts. Plus the CLI's answers to a missing model and an unknown format.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { artifactDir } from '../src/engine/index.js';
import { readImage, readSegmentation } from '../src/imaging/index.js';
import { predictCommand } from '../src/cli/commands/predict.js';
import { exportCommand } from '../src/cli/commands/export.js';
import { ONNX_INFO_FILE, type OnnxModelInfo } from '../src/interop/onnx/info.js';
import { closeModel, openModel, type Model } from '../nodes/predict/model.js';
import { prepareInput } from '../nodes/predict/predict-case.js';
import { cli } from './engine/cli-harness.js';
import { TINY_PIPELINE, tinyProject, type TinyProject } from './report/tiny-run.js';

const validate = new Ajv({ allErrors: true, allowUnionTypes: true }).compile<OnnxModelInfo>(JSON.parse(readFileSync(new URL('../schemas/onnx-export.schema.json', import.meta.url), 'utf8')));
const quiet = () => undefined;

let project: TinyProject;
let caseImage: string;
let onnxDir: string;
let model: Model;

beforeAll(async () => {
  project = tinyProject();
  writeFileSync(project.pipeline, `${TINY_PIPELINE}  export: { uses: export, needs: [train] }\n`);
  // the smallest training that still writes a checkpoint: what is tested is the export, not the accuracy
  const base = { node: 'export', store: project.store, runsDir: project.runs, set: { 'train.epochs': '1', 'train.iterations_per_epoch': '1' } };
  onnxDir = join(project.root, 'onnx');
  // as nnU-Net's export, it reads trained models: untrained folds are named and refused unless --train
  await expect(exportCommand(project.pipeline, { ...base, output: onnxDir, format: 'onnx' }, quiet))
    .rejects.toMatchObject({ code: 'CLI_NOT_TRAINED', message: expect.stringMatching(/^export: 1 training action\(s\) of .* are not done \(train/) });
  expect(await exportCommand(project.pipeline, { ...base, output: onnxDir, format: 'onnx', train: true }, quiet)).toBe(0);
  // the same model as a folder (cached: nothing trains again), for our side of the comparison
  expect(await exportCommand(project.pipeline, { ...base, output: join(project.root, 'model.zip') }, quiet)).toBe(0);
  expect(await exportCommand(project.pipeline, { ...base, output: join(project.root, 'model') }, quiet)).toBe(0);
  model = await openModel(join(project.root, 'model'));
  const record = JSON.parse(readFileSync(join(project.runs, readdirSync(project.runs).sort().at(-1)!, 'run.json'), 'utf8')) as { nodes: { node: string; outputs: { digest: string } | null }[] };
  const phantoms = record.nodes.find((n) => n.node === 'phantoms' && n.outputs)!;
  const images = join(await artifactDir(project.store, phantoms.outputs!.digest), 'imagesTr');
  caseImage = join(images, readdirSync(images).sort()[0]);
});

afterAll(() => {
  if (model) closeModel(model);
  project?.cleanup();
});

describe('nnunet export --format onnx (trained phantom model)', () => {
  it('writes one .onnx per fold and a nnunet_onnx.json that matches the schema and the model', () => {
    expect(readdirSync(onnxDir).sort()).toEqual(['fold_0.onnx', ONNX_INFO_FILE]);
    const info = JSON.parse(readFileSync(join(onnxDir, ONNX_INFO_FILE), 'utf8')) as OnnxModelInfo;
    expect(validate(info), JSON.stringify(validate.errors)).toBe(true);
    expect(info.configuration).toBe('3d_fullres');
    expect(info.sliding_window.patch_size).toEqual(model.config.patch_size);
    expect(info.preprocessing.spacing).toEqual(model.config.spacing);
    expect(info.preprocessing.normalization.map((n) => n.scheme)).toEqual(model.config.normalization_schemes);
    expect(info.input.layout).toBe('NCDHW');
    expect(info.input.channels.map((c) => c.name)).toEqual(Object.values(model.datasetJson.channel_names!));
    expect(info.output.activation).toBe('softmax');
    expect(info.output.channels.map((c) => [c.name, c.label])).toEqual(Object.entries(model.datasetJson.labels));
    expect(info.sliding_window.mirror_axes).toEqual([0, 1, 2]);
    // the patch fits the network
    info.sliding_window.patch_size.forEach((p, i) => expect(p % info.input.spatial_divisor[i]).toBe(0));
  });

  it("onnxruntime's logits on a case's preprocessed patch equal ours to 1e-4", async () => {
    const input = prepareInput(await readImage([caseImage]), null, model);
    const patch = model.config.patch_size;
    const [C, [S0, S1, S2]] = [input.channels, input.shape];
    // the first patch-sized block of the case, zero-padded where the case is smaller
    const x = new Float32Array(C * patch[0] * patch[1] * patch[2]);
    for (let c = 0; c < C; c++) for (let i = 0; i < Math.min(patch[0], S0); i++) for (let j = 0; j < Math.min(patch[1], S1); j++) {
      for (let k = 0; k < Math.min(patch[2], S2); k++) x[((c * patch[0] + i) * patch[1] + j) * patch[2] + k] = input.data[((c * S0 + i) * S1 + j) * S2 + k];
    }
    const shape = [1, C, ...patch];
    const session = await ort.InferenceSession.create(join(onnxDir, 'fold_0.onnx'));
    const got = (await session.run({ input: new ort.Tensor('float32', x, shape) })).logits.data as Float32Array;
    await session.release();
    const want = tf.tidy(() => {
      const logits = model.networks[0].predictor(tf.transpose(tf.tensor(x, shape), [0, 2, 3, 4, 1]));
      return tf.transpose(logits, [0, 4, 1, 2, 3]).dataSync() as Float32Array;
    });
    expect(got.length).toBe(want.length);
    let maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
    expect(maxErr).toBeLessThan(1e-4);
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.1);
  });

  it('exports the same bytes from the exported .zip as from the pipeline', async () => {
    const fromZip = join(project.root, 'onnx-from-zip');
    expect(await exportCommand(join(project.root, 'model.zip'), { node: 'export', output: fromZip, format: 'onnx' }, quiet)).toBe(0);
    for (const f of [ONNX_INFO_FILE, 'fold_0.onnx']) expect(readFileSync(join(fromZip, f)).equals(readFileSync(join(onnxDir, f))), f).toBe(true);
  });
});

describe('nnunet export --format nnunet (the same trained phantom model)', () => {
  it("predicts through -m from nnU-Net's results layout the same segmentation as our model folder", async () => {
    const results = join(project.root, 'nnUNet_results', 'Dataset998_Tiny');
    expect(await exportCommand(join(project.root, 'model'), { node: 'export', output: results, format: 'nnunet' }, quiet)).toBe(0);
    const input = join(project.root, 'predict-in');
    mkdirSync(input);
    copyFileSync(caseImage, join(input, basename(caseImage)));
    const opts = { input: [input], tta: true, stepSize: 0.5, postprocessing: true, numParts: 1, partId: 0 };
    const [native, viaPth] = [join(project.root, 'pred-native'), join(project.root, 'pred-pth')];
    expect(await predictCommand({ ...opts, output: native, model: join(project.root, 'model') }, quiet)).toBe(0);
    expect(await predictCommand({ ...opts, output: viaPth, model: join(results, 'nnUNetTrainer__nnUNetPlans__3d_fullres') }, quiet)).toBe(0);
    const name = readdirSync(native).find((f) => f.endsWith('.nii.gz'))!;
    const [a, b] = await Promise.all([readSegmentation(join(native, name)), readSegmentation(join(viaPth, name))]);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(b.spacing).toEqual(a.spacing);
    // not a degenerate map a broken conversion could also give
    expect(new Set(a.data).size, 'labels in the prediction').toBeGreaterThan(1);
  });
});

describe('nnunet export --format onnx: bad input', () => {
  it('a missing model folder is a usage error naming it', async () => {
    const missing = join(project.root, 'no-such-model');
    const r = await cli(['export', '--format', 'onnx', missing, '-o', join(project.root, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`no pipeline file or model folder at ${missing}`);
  });

  it('a folder that is not a model names the missing file', async () => {
    const empty = join(project.root, 'empty');
    mkdirSync(empty);
    const r = await cli(['export', '--format', 'onnx', empty, '-o', join(project.root, 'x')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`missing plans.json in ${empty}`);
  });

  it('an unknown format lists the choices', async () => {
    const r = await cli(['export', '--format', 'tflite', project.pipeline, '-o', join(project.root, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/argument 'tflite' is invalid\. Allowed choices are folder, onnx/);
  });
});

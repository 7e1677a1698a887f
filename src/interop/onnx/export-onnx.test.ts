import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../../nn/ops/index.js';
import { saveCheckpoint } from '../../nn/checkpoint.js';
import { networkSpec, UNet, type PlansArchitecture } from '../../nn/unet/index.js';
import { tinyConfig, tinyPlans } from '../../../test/predict/tiny-model.js';
import type { DatasetJson } from '../../../nodes/dataset/format.js';
import { exportOnnx } from './export-onnx.js';
import { ONNX_INFO_FILE, type OnnxModelInfo } from './info.js';

const dir = mkdtempSync(join(tmpdir(), 'nnunet-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// a region-based model (sigmoid outputs): whole tumour = labels 1 + 2, core = label 2
const regions: DatasetJson = {
  channel_names: { 0: 'T2' }, labels: { background: 0, whole: [1, 2], core: 2 }, regions_class_order: [1, 2], numTraining: 2, file_ending: '.nii.gz',
};

async function writeModel(root: string, datasetJson: DatasetJson, outputs: number, folds: number[]): Promise<void> {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'plans.json'), JSON.stringify(tinyPlans));
  writeFileSync(join(root, 'dataset.json'), JSON.stringify(datasetJson));
  for (const fold of folds) {
    const net = new UNet(networkSpec(tinyConfig.architecture as unknown as PlansArchitecture, 1, outputs), fold);
    await saveCheckpoint(join(root, '3d_fullres', `fold_${fold}`, 'checkpoint_final'), net, null, {
      configuration: '3d_fullres', fold, plans: tinyPlans, configurationPlan: tinyConfig, datasetJson, inputChannels: 1, numOutputs: outputs,
      currentEpoch: 1, bestEma: null, ema: null, log: [], mirrorAxes: [1, 2], info: {},
    });
    net.dispose();
  }
}

describe('exportOnnx on a model folder', () => {
  it('writes every fold, the region outputs, mirroring and postprocessing of the model', async () => {
    const model = join(dir, 'regions');
    await writeModel(model, regions, 2, [0, 2]);
    const ops = { postprocessing_fns: ['remove_all_but_largest_component_from_segmentation'], postprocessing_kwargs: [{ labels_or_regions: [1, 2] }] };
    writeFileSync(join(model, 'postprocessing.json'), JSON.stringify(ops));
    await exportOnnx(model, join(dir, 'out'));
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['fold_0.onnx', 'fold_2.onnx', ONNX_INFO_FILE]);
    const info = JSON.parse(readFileSync(join(dir, 'out', ONNX_INFO_FILE), 'utf8')) as OnnxModelInfo;
    expect(info.folds).toEqual([{ fold: 0, file: 'fold_0.onnx' }, { fold: 2, file: 'fold_2.onnx' }]);
    expect(info.output.activation).toBe('sigmoid');
    expect(info.output.channels).toEqual([{ index: 0, name: 'whole', region: [1, 2] }, { index: 1, name: 'core', region: [2] }]);
    expect(info.regions_class_order).toEqual([1, 2]);
    expect(info.input.channels).toEqual([{ index: 0, name: 'T2', source: 'image' }]);
    expect(info.sliding_window.mirror_axes).toEqual([1, 2]);
    expect(info.input.spatial_divisor).toEqual([2, 2, 2]);
    expect(info.postprocessing).toEqual([{ fn: 'remove_all_but_largest_component_from_segmentation', labels_or_regions: [1, 2] }]);
  });

  it('refuses a dataset.json whose outputs do not match the network, naming both counts', async () => {
    const model = join(dir, 'mismatch');
    await writeModel(model, regions, 3, [0]);
    await expect(exportOnnx(model, join(dir, 'out2'))).rejects.toThrow(/dataset\.json declares 2 output channels \(whole, core\); the network has 3/);
  });
});

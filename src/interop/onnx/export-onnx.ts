/**
 * A model folder (what `nnunet export` writes and `nnunet predict -m` reads) as ONNX: `fold_<f>.onnx` per fold and
 * `nnunet_onnx.json` (./info.ts) with the preprocessing, sliding-window, label and postprocessing facts around them.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError } from '../../engine/errors.js';
import { channelNames } from '../../../nodes/dataset/format.js';
import { allLabels } from '../../../nodes/dataset/labels.js';
import { chosenConfigurations, closeModel, openModel, type FoldId, type Model } from '../../../nodes/predict/model.js';
import { parseOps } from '../../../nodes/postprocess/apply.js';
import type { PostprocessingOp } from '../../../nodes/postprocess/operations.js';
import { labelSetup } from '../../nn/loss/regions.js';
import { GAUSSIAN_SIGMA_SCALE, GAUSSIAN_VALUE_SCALING } from '../../nn/predict/gaussian.js';
import { DEFAULT_STEP_SIZE } from '../../nn/predict/sliding-window.js';
import type { UNet } from '../../nn/unet/index.js';
import { parsePythonJson } from '../../util/py-json.js';
import { ONNX_INFO_FILE, ONNX_INFO_FORMAT, type OnnxInputChannel, type OnnxModelInfo, type OnnxOutputChannel } from './info.js';
import { encodeModel, IR_VERSION } from './proto.js';
import { dynamicAxes, INPUT_NAME, OUTPUT_NAME, spatialDivisor, unetGraph } from './unet-graph.js';

export const OPSET = 17;

export interface OnnxExportOptions {
  /** default: find-best's choice, else the only trained configuration */
  configuration?: string;
  folds?: FoldId[];
  checkpoint?: string;
}

/** One fold's network as a serialized ONNX model. */
export function unetToOnnx(net: UNet, name: string): Uint8Array {
  return encodeModel({
    irVersion: IR_VERSION,
    producerName: 'nnunet-ts',
    producerVersion: '1',
    docString: 'nnU-Net U-Net, full-resolution output, logits (no softmax/sigmoid)',
    graph: unetGraph(net, name),
    opsetImport: [{ domain: '', version: OPSET }],
    metadataProps: [],
  });
}

const foldFile = (f: FoldId) => `fold_${f}.onnx`;

export async function exportOnnx(modelDir: string, outDir: string, opts: OnnxExportOptions = {}): Promise<OnnxModelInfo> {
  if (!opts.configuration) {
    const chosen = await chosenConfigurations(modelDir);
    if (chosen.length > 1) {
      throw new NodeError('EXPORT_ONNX_ENSEMBLE',
        `${modelDir}: find-best chose an ensemble of ${chosen.join(' + ')}; export each configuration with -c (averaging their probabilities is the surrounding pipeline's job)`);
    }
  }
  const model = await openModel(modelDir, opts);
  try {
    const nets = model.networks.map((n, i) => {
      if (!n.network) throw new NodeError('EXPORT_ONNX_UNSUPPORTED', `fold ${model.folds[i]} of ${model.configuration} in ${modelDir} is not a network this exporter can read`);
      return n.network;
    });
    const outputs = outputChannels(model);
    if (outputs.length !== nets[0].spec.numClasses) {
      throw new NodeError('EXPORT_ONNX_LABELS', `${join(modelDir, 'dataset.json')}: dataset.json declares ${outputs.length} output channels ` +
        `(${outputs.map((c) => c.name).join(', ')}); the network has ${nets[0].spec.numClasses}`, { file: join(modelDir, 'dataset.json') });
    }
    await mkdir(outDir, { recursive: true });
    for (let i = 0; i < nets.length; i++) {
      await writeFile(join(outDir, foldFile(model.folds[i])), unetToOnnx(nets[i], `${model.plans.dataset_name}_${model.configuration}_fold_${model.folds[i]}`));
    }
    const info = modelInfo(model, nets[0], outputs, await postprocessing(modelDir));
    await writeFile(join(outDir, ONNX_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);
    return info;
  } finally {
    closeModel(model);
  }
}

async function postprocessing(modelDir: string): Promise<PostprocessingOp[]> {
  const file = join(modelDir, 'postprocessing.json');
  return existsSync(file) ? parseOps(parsePythonJson(await readFile(file, 'utf8')), file) : [];
}

function inputChannels(model: Model): OnnxInputChannel[] {
  const names = channelNames(model.datasetJson);
  const image = model.config.normalization_schemes.map((_, i): OnnxInputChannel => ({ index: i, name: names[String(i)] ?? `channel ${i}`, source: 'image' }));
  if (!model.config.previous_stage) return image;
  // a cascade stage sees the previous stage's segmentation as one channel per foreground label (predict-case.ts)
  const labels = allLabels(model.datasetJson.labels).filter((l) => l !== 0);
  return [...image, ...labels.map((label, i): OnnxInputChannel => ({ index: image.length + i, name: `previous stage label ${label}`, source: 'previous_stage', label }))];
}

function outputChannels(model: Model): OnnxOutputChannel[] {
  const labels = model.datasetJson.labels;
  const setup = labelSetup(labels);
  const named = Object.entries(labels).filter(([k]) => k !== 'ignore');
  if (setup.regions) {
    return named.filter(([k]) => k !== 'background').map(([name], index) => ({ index, name, region: setup.regions![index] }));
  }
  return setup.allLabels.map((label, index) => ({ index, name: named.find(([, v]) => v === label)?.[0] ?? `label ${label}`, label }));
}

function modelInfo(model: Model, net: UNet, outputs: OnnxOutputChannel[], post: PostprocessingOp[]): OnnxModelInfo {
  const { config, plans } = model;
  const dim = net.spec.dim;
  const [batch, ...spatial] = dynamicAxes(dim);
  const layout = dim === 3 ? 'NCDHW' : 'NCHW';
  const sigmoid = outputs.some((c) => c.region);
  const mirror = model.networks[0].mirrorAxes ?? config.patch_size.map((_, i) => i);
  const properties = plans.foreground_intensity_properties_per_channel ?? {};
  return {
    format: ONNX_INFO_FORMAT,
    format_version: 1,
    dataset_name: plans.dataset_name,
    configuration: model.configuration,
    previous_stage: config.previous_stage ?? null,
    network: { class_name: config.architecture.network_class_name, spatial_dims: dim, opset: OPSET },
    folds: model.folds.map((fold) => ({ fold, file: foldFile(fold) })),
    input: {
      name: INPUT_NAME, dtype: 'float32', layout, shape: [batch, net.spec.inputChannels, ...spatial],
      spatial_divisor: spatialDivisor(net), channels: inputChannels(model),
    },
    output: {
      name: OUTPUT_NAME, dtype: 'float32', layout, shape: [batch, net.spec.numClasses, ...spatial],
      activation: sigmoid ? 'sigmoid' : 'softmax', channels: outputs,
    },
    preprocessing: {
      transpose_forward: plans.transpose_forward,
      transpose_backward: plans.transpose_backward,
      crop_to_nonzero: true,
      spacing: config.spacing,
      normalization: config.normalization_schemes.map((scheme, channel) => ({
        channel, scheme, use_mask_for_norm: config.use_mask_for_norm[channel] ?? false, intensity_properties: properties[String(channel)] ?? null,
      })),
      resampling: {
        data: { fn: config.resampling_fn_data, kwargs: config.resampling_fn_data_kwargs },
        segmentation: { fn: config.resampling_fn_seg, kwargs: config.resampling_fn_seg_kwargs },
        probabilities: { fn: config.resampling_fn_probabilities, kwargs: config.resampling_fn_probabilities_kwargs },
      },
    },
    sliding_window: {
      patch_size: config.patch_size,
      step_size: DEFAULT_STEP_SIZE,
      gaussian: { sigma_scale: GAUSSIAN_SIGMA_SCALE, value_scaling_factor: GAUSSIAN_VALUE_SCALING },
      mirror_axes: mirror,
    },
    labels: model.datasetJson.labels,
    regions_class_order: model.datasetJson.regions_class_order ?? null,
    postprocessing: post,
    notes: [
      `Input: one preprocessed case (transpose_forward, crop to the nonzero box, normalize per channel, resample to spacing), channels first, ${layout}.`,
      dim === 2 ? 'A 2D network takes the slices along axis 0 of the preprocessed volume as batch items.' : 'A 3D network takes patches of the preprocessed volume.',
      'Sliding window: tiles of patch_size with step_size * patch_size between starts, each tile weighted by a Gaussian (sigma = sigma_scale * patch_size, maximum value_scaling_factor), summed and divided by the summed weights.',
      'Test-time mirroring: average the logits of every combination of flips over mirror_axes (each flipped back) before weighting.',
      'Folds: average the logits of every fold network.',
      'Back to the image: resample the averaged logits to the cropped box\'s original shape (resampling.probabilities), ' +
        `apply ${sigmoid ? 'a sigmoid per channel and paint regions_class_order where p > 0.5' : 'a softmax over the channel axis and take the argmax'}, ` +
        'put the result into the uncropped volume, apply transpose_backward, then postprocessing.',
    ],
  };
}

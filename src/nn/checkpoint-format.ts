/**
 * The checkpoint format without the file system: manifest types, weight splitting and building the network from
 * weights. `checkpoint.ts` reads and writes folders with it in Node; the browser page (src/web) uses it on
 * fetched bytes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NnunetError } from '../engine/errors.js';
import { networkSpec, UNet, type PlansArchitecture } from './unet/index.js';
import type { ConfigurationPlan, Plans } from '../../nodes/plan/format.js';
import type { DatasetJson } from '../../nodes/dataset/format.js';
import type { EpochLog } from './train/log.js';
import type { GradScalerState } from './optim/grad-scaler.js';

export const CHECKPOINT_FORMAT = 'nnunet-ts-checkpoint';
export const FORMAT_VERSION = 1;

export class CheckpointError extends NnunetError {}

export interface CheckpointMeta {
  configuration: string;
  fold: number | 'all';
  plans: Plans;
  /** the configuration with inheritance resolved (what the network was built from) */
  configurationPlan: ConfigurationPlan;
  datasetJson: DatasetJson;
  inputChannels: number;
  numOutputs: number;
  /** the next epoch to run (nnU-Net's current_epoch) */
  currentEpoch: number;
  bestEma: number | null;
  ema: number | null;
  log: EpochLog[];
  /** axes test-time mirroring may flip (nnU-Net's inference_allowed_mirroring_axes) */
  mirrorAxes: number[];
  /** run facts worth keeping with the weights (seed, ops, ...) */
  info: Record<string, unknown>;
  /** a checkpoint of an interrupted epoch: its iterations done and their summed train loss, where a resume continues */
  interrupted?: { iteration: number; trainLossSum: number };
  /** mixed precision's loss scale (nnU-Net's grad_scaler_state); absent from a run trained in f32 */
  gradScaler?: GradScalerState;
}

export interface CheckpointManifest extends CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  format_version: number;
  trainer: string;
  params: { name: string; shape: number[]; offset: number }[];
  optimizer: boolean;
}

/** One weights/optimizer file's float32 values, one view per parameter in manifest order. */
export function splitWeights(buf: Uint8Array, params: CheckpointManifest['params'], file: string): Float32Array[] {
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return params.map((p) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (p.offset + n > all.length) throw new CheckpointError('CHECKPOINT_CORRUPT', `${file} is too short for parameter ${p.name}`, { file });
    return all.subarray(p.offset, p.offset + n);
  });
}

/**
 * Copies weights into `net` by parameter name. `skip` names are left as initialised (nnU-Net's
 * load_pretrained_weights leaves the segmentation heads); every other parameter must exist with the same shape.
 */
export function assignWeights(net: UNet, weights: Map<string, Float32Array>, source: string, skip: (name: string) => boolean = () => false): void {
  const problems: string[] = [];
  for (const p of net.params) {
    if (skip(p.name)) continue;
    const w = weights.get(p.name);
    if (!w) problems.push(`${p.name} missing`);
    else if (w.length !== p.variable.size) problems.push(`${p.name} has ${w.length} values, network needs ${p.variable.size}`);
  }
  if (problems.length) {
    throw new CheckpointError('CHECKPOINT_MISMATCH', `checkpoint ${source} does not fit this network: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
      { file: source }, { issues: problems.map((message) => ({ code: 'CHECKPOINT_MISMATCH', message, file: source })) });
  }
  for (const p of net.params) {
    if (skip(p.name)) continue;
    const w = weights.get(p.name)!;
    tf.tidy(() => p.variable.assign(tf.tensor(w, p.variable.shape)));
  }
}

/** The fold's network (inference or training layout) with the checkpoint's weights; disposed again on a mismatch. */
export function networkFromWeights(manifest: CheckpointManifest, weights: Map<string, Float32Array>, source: string): UNet {
  const spec = networkSpec(manifest.configurationPlan.architecture as PlansArchitecture, manifest.inputChannels, manifest.numOutputs);
  const net = new UNet(spec);
  try {
    assignWeights(net, weights, source);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return net;
}

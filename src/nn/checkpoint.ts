/**
 * A training checkpoint is a folder: `manifest.json` (everything but the numbers: plans, dataset.json, network,
 * epoch, best EMA, log, parameter table) + `weights.bin` (float32 little-endian, parameters in manifest order)
 * + `optimizer.bin` (momentum buffers, same order). Written to a temporary folder and renamed into place, so a
 * crash never leaves a half checkpoint behind.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { NnunetError } from '../engine/errors.js';
import { networkSpec, UNet, type PlansArchitecture } from './unet/index.js';
import { ensureBackend } from './backend.js';
import type { NesterovSgd } from './optim/index.js';
import type { ConfigurationPlan, Plans } from '../../nodes/plan/format.js';
import type { DatasetJson } from '../../nodes/dataset/format.js';
import type { EpochLog } from './train/log.js';

export const CHECKPOINT_FORMAT = 'nnunet-ts-checkpoint';
const FORMAT_VERSION = 1;

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
}

export interface CheckpointManifest extends CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  format_version: number;
  trainer: string;
  params: { name: string; shape: number[]; offset: number }[];
  optimizer: boolean;
}

function concat(arrays: Float32Array[]): Buffer {
  const total = arrays.reduce((a, b) => a + b.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export async function saveCheckpoint(dir: string, net: UNet, opt: NesterovSgd | null, meta: CheckpointMeta): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  let offset = 0;
  const params = net.params.map((p) => {
    const entry = { name: p.name, shape: [...p.variable.shape], offset };
    offset += p.variable.size;
    return entry;
  });
  const optState = opt?.state();
  const hasOpt = optState !== undefined;
  const manifest: CheckpointManifest = { format: CHECKPOINT_FORMAT, format_version: FORMAT_VERSION, trainer: 'nnUNetTrainer', ...meta, params, optimizer: hasOpt };
  await writeFile(join(tmp, 'weights.bin'), concat(net.params.map((p) => p.variable.dataSync() as Float32Array)));
  if (optState) await writeFile(join(tmp, 'optimizer.bin'), concat(optState.buffers));
  await writeFile(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  weights: Map<string, Float32Array>;
  /** momentum buffers in parameter order, or null when the checkpoint has none */
  optimizer: Float32Array[] | null;
}

function split(buf: Buffer, params: CheckpointManifest['params'], file: string): Float32Array[] {
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return params.map((p) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (p.offset + n > all.length) throw new CheckpointError('CHECKPOINT_CORRUPT', `${file} is too short for parameter ${p.name}`, { file });
    return all.subarray(p.offset, p.offset + n);
  });
}

export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CheckpointError('CHECKPOINT_NOT_FOUND', `no checkpoint at ${dir} (manifest.json missing)`, { file: dir });
  }
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as CheckpointManifest;
  if (manifest.format !== CHECKPOINT_FORMAT || manifest.format_version !== FORMAT_VERSION) {
    throw new CheckpointError('CHECKPOINT_FORMAT', `${manifestFile} is not a version ${FORMAT_VERSION} ${CHECKPOINT_FORMAT}`, { file: manifestFile });
  }
  const weightsFile = join(dir, 'weights.bin');
  const values = split(await readFile(weightsFile), manifest.params, weightsFile);
  const weights = new Map(manifest.params.map((p, i) => [p.name, values[i]]));
  const optFile = join(dir, 'optimizer.bin');
  const optimizer = manifest.optimizer ? split(await readFile(optFile), manifest.params, optFile) : null;
  return { manifest, weights, optimizer };
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

/** The inference entry point: the trained network (deep supervision off by default in apply) and its plans. */
export async function loadNetwork(checkpointDir: string): Promise<{
  net: UNet; plans: Plans; configuration: string; datasetJson: DatasetJson; manifest: CheckpointManifest;
}> {
  await ensureBackend();
  const { manifest, weights } = await readCheckpoint(checkpointDir);
  const spec = networkSpec(manifest.configurationPlan.architecture as PlansArchitecture, manifest.inputChannels, manifest.numOutputs);
  const net = new UNet(spec);
  try {
    assignWeights(net, weights, checkpointDir);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return { net, plans: manifest.plans, configuration: manifest.configuration, datasetJson: manifest.datasetJson, manifest };
}

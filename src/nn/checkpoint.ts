/**
 * A training checkpoint is a folder: `manifest.json` (everything but the numbers: plans, dataset.json, network,
 * epoch, best EMA, log, parameter table) + `weights.bin` (float32 little-endian, parameters in manifest order)
 * + `optimizer.bin` (momentum buffers, same order). Written to a temporary folder and renamed into place, so a
 * crash never leaves a half checkpoint behind.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { UNet } from './unet/index.js';
import { ensureBackend } from './backend.js';
import { withPath } from '../engine/fs-errors.js';
import type { Optimizer } from './optim/index.js';
import type { Plans } from '../../nodes/plan/format.js';
import type { DatasetJson } from '../../nodes/dataset/format.js';
import {
  CHECKPOINT_FORMAT, CheckpointError, FORMAT_VERSION, networkFromWeights, splitWeights, type CheckpointManifest, type CheckpointMeta,
} from './checkpoint-format.js';

export {
  assignWeights, CHECKPOINT_FORMAT, CheckpointError, networkFromWeights, splitWeights, type CheckpointManifest, type CheckpointMeta,
} from './checkpoint-format.js';

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

export async function saveCheckpoint(dir: string, net: UNet, opt: Optimizer | null, meta: CheckpointMeta): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  // one process trains an action at a time: half-written copies of this checkpoint are a dead process's (a kill, a full disk)
  const parent = dirname(dir);
  const stale = existsSync(parent) ? (await readdir(parent)).filter((n) => n.startsWith(`${basename(dir)}.tmp-`)) : [];
  await Promise.all(stale.map((n) => rm(join(parent, n), { recursive: true, force: true })));
  await mkdir(tmp, { recursive: true });
  let offset = 0;
  const params = net.params.map((p) => {
    const entry = { name: p.name, shape: [...p.variable.shape], offset };
    offset += p.variable.size;
    return entry;
  });
  const optState = await opt?.state();
  const hasOpt = optState !== undefined;
  const manifest: CheckpointManifest = { format: CHECKPOINT_FORMAT, format_version: FORMAT_VERSION, trainer: 'nnUNetTrainer', ...meta, params, optimizer: hasOpt };
  const write = (name: string, data: string | Buffer) => writeFile(join(tmp, name), data).catch((err: unknown) => {
    throw withPath(err, join(tmp, name));
  });
  await write('weights.bin', concat(await Promise.all(net.params.map(async (p) => (await p.variable.data()) as Float32Array))));
  if (optState) await write('optimizer.bin', concat(optState.buffers));
  await write('manifest.json', JSON.stringify(manifest, null, 1));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  weights: Map<string, Float32Array>;
  /** momentum buffers in parameter order, or null when the checkpoint has none */
  optimizer: Float32Array[] | null;
}

/** A checkpoint folder's manifest alone (what it was trained with), without its weights. */
export async function readCheckpointManifest(dir: string): Promise<CheckpointManifest> {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CheckpointError('CHECKPOINT_NOT_FOUND', `no checkpoint at ${dir} (manifest.json missing)`, { file: dir });
  }
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as CheckpointManifest;
  if (manifest.format !== CHECKPOINT_FORMAT || manifest.format_version !== FORMAT_VERSION) {
    throw new CheckpointError('CHECKPOINT_FORMAT', `${manifestFile} is not a version ${FORMAT_VERSION} ${CHECKPOINT_FORMAT}`, { file: manifestFile });
  }
  return manifest;
}

export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const manifest = await readCheckpointManifest(dir);
  const weightsFile = join(dir, 'weights.bin');
  const values = splitWeights(await readFile(weightsFile), manifest.params, weightsFile);
  const weights = new Map(manifest.params.map((p, i) => [p.name, values[i]]));
  const optFile = join(dir, 'optimizer.bin');
  const optimizer = manifest.optimizer ? splitWeights(await readFile(optFile), manifest.params, optFile) : null;
  return { manifest, weights, optimizer };
}

/** The inference entry point: the trained network (deep supervision off by default in apply) and its plans. */
export async function loadNetwork(checkpointDir: string): Promise<{
  net: UNet; plans: Plans; configuration: string; datasetJson: DatasetJson; manifest: CheckpointManifest;
}> {
  await ensureBackend();
  const { manifest, weights } = await readCheckpoint(checkpointDir);
  const net = networkFromWeights(manifest, weights, checkpointDir);
  return { net, plans: manifest.plans, configuration: manifest.configuration, datasetJson: manifest.datasetJson, manifest };
}

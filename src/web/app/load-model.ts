// The exported model (src/web/model-format.ts) fetched and built into the same Model `nnunet predict` uses.
import { NnunetError } from '../../engine/errors.js';
import { labelHandling } from '../../nn/predict/labels.js';
import {
  CHECKPOINT_FORMAT, FORMAT_VERSION, networkFromWeights, splitWeights, type CheckpointManifest,
} from '../../nn/checkpoint-format.js';
import { resolveConfiguration } from '../../../nodes/plan/resolve.js';
import type { FoldNetwork, Model } from '../../../nodes/predict/model.js';
import { WEB_MODEL_FORMAT, WEB_MODEL_VERSION, type WebModel } from '../model-format.js';

async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new NnunetError('WEB_MODEL_FETCH', `${url}: HTTP ${res.status} ${res.statusText}`, { file: url });
  return res;
}

export interface LoadedWebModel {
  model: Model;
  web: WebModel;
  weightBytes: number;
}

/** Fetches model.json and every fold's weights under `base` (a URL ending in '/'), building one network per fold. */
export async function loadWebModel(base: string, onFold?: (done: number, total: number) => void): Promise<LoadedWebModel> {
  const web = (await (await fetchOk(`${base}model.json`)).json()) as WebModel;
  if (web.format !== WEB_MODEL_FORMAT || web.format_version !== WEB_MODEL_VERSION) {
    throw new NnunetError('WEB_MODEL_FORMAT', `${base}model.json is not a version ${WEB_MODEL_VERSION} ${WEB_MODEL_FORMAT}`, { file: `${base}model.json` });
  }
  const networks: FoldNetwork[] = [];
  let numClasses = 0;
  let weightBytes = 0;
  try {
    for (const [i, f] of web.folds.entries()) {
      const dir = `${base}${f.path}/`;
      const manifest = (await (await fetchOk(`${dir}manifest.json`)).json()) as CheckpointManifest;
      if (manifest.format !== CHECKPOINT_FORMAT || manifest.format_version !== FORMAT_VERSION) {
        throw new NnunetError('WEB_MODEL_FORMAT', `${dir}manifest.json is not a version ${FORMAT_VERSION} ${CHECKPOINT_FORMAT}`, { file: `${dir}manifest.json` });
      }
      const bytes = new Uint8Array(await (await fetchOk(`${dir}weights.bin`)).arrayBuffer());
      weightBytes += bytes.byteLength;
      const values = splitWeights(bytes, manifest.params, `${dir}weights.bin`);
      const net = networkFromWeights(manifest, new Map(manifest.params.map((p, k) => [p.name, values[k]])), dir);
      networks.push({
        predictor: (x) => net.apply(x, { deepSupervision: false }),
        mirrorAxes: manifest.mirrorAxes ?? null,
        dispose: () => net.dispose(),
      });
      numClasses = manifest.numOutputs;
      onFold?.(i + 1, web.folds.length);
    }
  } catch (e) {
    for (const n of networks) n.dispose();
    throw e;
  }
  const { plans, datasetJson, configuration } = web;
  const model: Model = {
    dir: base, plans, datasetJson, configuration, config: resolveConfiguration(plans, configuration),
    folds: web.folds.map((f) => f.fold), networks, handling: labelHandling(datasetJson.labels, datasetJson.regions_class_order), numClasses,
  };
  return { model, web, weightBytes };
}

// The default NetworkLoader: a fold checkpoint written by train-fold (src/nn/checkpoint.ts) or by nnU-Net (src/interop/pth).
import { loadNetwork } from '../../src/nn/checkpoint.js';
import { labelHandling } from '../../src/nn/predict/labels.js';
import { readNnunetCheckpoint } from '../../src/interop/pth/nnunet-checkpoint.js';
import { networkFromCheckpoint } from '../../src/interop/pth/network.js';
import type { PlansArchitecture } from '../../src/nn/unet/index.js';
import type { FoldNetwork, Model, NetworkContext } from './model.js';

type Loaded = Awaited<ReturnType<typeof loadNetwork>>;

const foldNetwork = ({ net, manifest }: Loaded): FoldNetwork => ({
  predictor: (x) => net.apply(x, { deepSupervision: false }),
  mirrorAxes: manifest.mirrorAxes ?? null,
  network: net,
  dispose: () => net.dispose(),
});

/** Our checkpoint folder, or an nnU-Net .pth built from the model folder's plans (what nnU-Net itself does). */
export async function loadFoldNetwork(checkpoint: string, context: NetworkContext): Promise<FoldNetwork> {
  if (!checkpoint.endsWith('.pth')) return foldNetwork(await loadNetwork(checkpoint));
  const ckpt = await readNnunetCheckpoint(checkpoint);
  const net = await networkFromCheckpoint(ckpt, context.config.architecture as PlansArchitecture, context.inputChannels, context.numClasses, checkpoint);
  return { predictor: (x) => net.apply(x, { deepSupervision: false }), mirrorAxes: ckpt.mirrorAxes, network: net, dispose: () => net.dispose() };
}

/** A one-fold Model straight from a train-fold checkpoint (plans and dataset.json travel inside it). */
export async function openCheckpoint(checkpointDir: string): Promise<Model> {
  const loaded = await loadNetwork(checkpointDir);
  const { manifest, plans, datasetJson, configuration } = loaded;
  return {
    dir: checkpointDir,
    plans,
    datasetJson,
    configuration,
    config: manifest.configurationPlan,
    folds: [manifest.fold],
    networks: [foldNetwork(loaded)],
    handling: labelHandling(datasetJson.labels, datasetJson.regions_class_order),
    numClasses: manifest.numOutputs,
  };
}

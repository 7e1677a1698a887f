// The default NetworkLoader: a fold checkpoint written by train-fold, through src/nn/checkpoint.ts.
import { loadNetwork } from '../../src/nn/checkpoint.js';
import { labelHandling } from '../../src/nn/predict/labels.js';
import type { FoldNetwork, Model } from './model.js';

type Loaded = Awaited<ReturnType<typeof loadNetwork>>;

const foldNetwork = ({ net, manifest }: Loaded): FoldNetwork => ({
  predictor: (x) => net.apply(x, { deepSupervision: false }),
  mirrorAxes: manifest.mirrorAxes ?? null,
  network: net,
  dispose: () => net.dispose(),
});

export async function loadFoldNetwork(checkpointDir: string): Promise<FoldNetwork> {
  return foldNetwork(await loadNetwork(checkpointDir));
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

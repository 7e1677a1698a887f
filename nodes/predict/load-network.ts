// The default NetworkLoader: a fold checkpoint written by train-fold, through src/nn/checkpoint.ts.
import { loadNetwork } from '../../src/nn/checkpoint.js';
import type { FoldNetwork } from './model.js';

export async function loadFoldNetwork(checkpointDir: string): Promise<FoldNetwork> {
  const { net, manifest } = await loadNetwork(checkpointDir);
  return {
    predictor: (x) => net.apply(x, { deepSupervision: false }),
    mirrorAxes: manifest.mirrorAxes ?? null,
    dispose: () => net.dispose(),
  };
}

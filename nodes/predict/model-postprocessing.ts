/**
 * The postprocessing a prediction gets from its model folder. find-best decides postprocessing for the configuration
 * (or ensemble) it chose, and only for that: asking for another configuration predicts without the choice's.
 */
import { loadPostprocessing } from '../postprocess/apply.js';
import { chosenConfigurations, chosenPostprocessing, type Model } from './model.js';

export async function modelPostprocessing(modelDir: string, model: Pick<Model, 'dir' | 'root' | 'configuration' | 'folds'>,
  o: { requested?: string; ensemble: boolean; log?: (line: string) => void }): ReturnType<typeof loadPostprocessing> {
  const chosen = await chosenConfigurations(modelDir);
  const forChoice = !o.requested || chosen.length === 0 || (chosen.length === 1 && chosen[0] === model.configuration);
  if (!forChoice) o.log?.(`postprocessing: find-best chose ${chosen.join(' + ')} and decided postprocessing for that choice, not for ${model.configuration}`);
  return loadPostprocessing(model.dir, {
    root: model.root, named: forChoice ? await chosenPostprocessing(modelDir) : undefined, folds: o.ensemble ? undefined : model.folds, warn: o.log,
    // an nnU-Net configuration folder's own file is that configuration's; our model folder's is the choice's
    own: forChoice || model.dir !== modelDir,
  });
}

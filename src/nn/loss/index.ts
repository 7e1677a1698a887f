export { softDiceLoss, type SoftDiceOptions } from './soft-dice.js';
export { segmentationLoss, type LossConfig } from './compound.js';
export {
  deepSupervisionWeights, deepSupervisionScales, downsampleNearestExact, targetPyramid, deepSupervisionLoss,
  roundHalfEven, type ChannelsLastArray,
} from './deep-supervision.js';
export { labelSetup, labelsToRegions, type DatasetLabels, type LabelSetup } from './regions.js';

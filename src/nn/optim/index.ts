export { NesterovSgd, type Optimizer, type SgdOptions, type SgdState } from './sgd.js';
export { polyLr } from './schedule.js';
export { clipGradNorm, clipGradNormOnDevice } from './clip.js';

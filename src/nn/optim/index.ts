export { NesterovSgd, type SgdOptions, type SgdState } from './sgd.js';
export { polyLr } from './schedule.js';
export { clipGradNorm } from './clip.js';

export { NesterovSgd, type Optimizer, type SgdOptions, type SgdState } from './sgd.js';
export { polyLr } from './schedule.js';
export { clipGradNorm, clipGradNormOnDevice } from './clip.js';
export { GRAD_SCALER, GradScaler, type GradScalerState } from './grad-scaler.js';

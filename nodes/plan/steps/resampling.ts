// spec §3.10: resampling functions and kwargs recorded in every configuration.
import type { ResamplingKwargs } from '../format.js';

export const RESAMPLING_FN = 'resample_data_or_seg_to_shape';

const kwargs = (isSeg: boolean, order: number): ResamplingKwargs => ({ is_seg: isSeg, order, order_z: 0, force_separate_z: null });

export const resamplingData = (): ResamplingKwargs => kwargs(false, 3);
export const resamplingSeg = (): ResamplingKwargs => kwargs(true, 1);
export const resamplingProbabilities = (): ResamplingKwargs => kwargs(false, 1);

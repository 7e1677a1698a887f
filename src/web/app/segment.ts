/**
 * One dropped NIfTI through `nnunet predict`'s own steps: prepareInput (crop, normalization, resampling),
 * predictLogitsAsync (sliding window, Gaussian weighting, mirroring, fold averaging), exportPrediction (resampling
 * back, argmax, uncropping), the model's postprocessing; then the label map as NIfTI on the input's header.
 */
import { applyOps, type PostprocessingOp } from '../../../nodes/postprocess/operations.js';
import { exportPrediction } from '../../../nodes/predict/export-prediction.js';
import type { Model } from '../../../nodes/predict/model.js';
import { predictLogitsAsync, prepareInput } from '../../../nodes/predict/predict-case.js';
import type { Shape3 } from '../../imaging/volume.js';
import type { LabelMap } from '../../nn/predict/labels.js';
import { readNifti, writeSegmentationNifti, type NiftiImage } from '../nifti.js';

export type Phase = 'reading' | 'preprocessing' | 'predicting' | 'resampling back' | 'postprocessing' | 'writing';

/** fraction of the whole case in [0, 1], and what is happening */
export type SegmentProgress = (fraction: number, phase: Phase, detail?: string) => void;

export interface Segmentation {
  image: NiftiImage;
  seg: LabelMap;
  shape: Shape3;
  /** the label map as a NIfTI file (gzip when the input was) */
  file: Uint8Array;
  /** seconds per phase */
  seconds: Partial<Record<Phase, number>>;
}

/** Lets the page paint the progress bar before the next synchronous step. */
const yieldToPage = () => new Promise<void>((r) => setTimeout(r, 0));

export async function segmentNifti(bytes: Uint8Array, name: string, model: Model, postprocessing: readonly PostprocessingOp[],
  progress: SegmentProgress = () => undefined, opts: { tta?: boolean; stepSize?: number } = {}): Promise<Segmentation> {
  const seconds: Segmentation['seconds'] = {};
  let t = performance.now();
  const step = async (phase: Phase, fraction: number) => {
    const now = performance.now();
    seconds[phase] = (now - t) / 1000;
    t = now;
    progress(fraction, phase);
    await yieldToPage();
  };
  progress(0, 'reading');
  await yieldToPage();
  const image = await readNifti(bytes, name);
  await step('reading', 0.03);
  const input = prepareInput(image.volume, null, model);
  await step('preprocessing', 0.08);
  const logits = await predictLogitsAsync(input, model, opts,
    (done, total) => progress(0.08 + 0.84 * (done / total), 'predicting', `batch ${done} / ${total}`));
  await step('predicting', 0.92);
  const exported = exportPrediction(logits, model.numClasses, input.shape, input.properties, model.plans, model.config, model.handling, false);
  await step('resampling back', 0.96);
  const seg = postprocessing.length > 0 ? applyOps(exported.seg, exported.shape, postprocessing) : exported.seg;
  await step('postprocessing', 0.98);
  const file = await writeSegmentationNifti(image, seg, exported.shape, name.toLowerCase().endsWith('.gz'));
  await step('writing', 1);
  return { image, seg, shape: exported.shape, file, seconds };
}

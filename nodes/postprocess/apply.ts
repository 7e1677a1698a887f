// spec §9 (nnUNetv2_apply_postprocessing): replay the recorded operations on new predictions.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readPostprocessingPkl } from '../../src/interop/pth/postprocessing-pkl.js';
import { NodeError } from '../../src/engine/errors.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import type { LabelMap } from '../../src/nn/predict/labels.js';
import { parsePythonJson } from '../../src/util/py-json.js';
import { applyOps, KEEP_LARGEST, type PostprocessingOp } from './operations.js';

export function parseOps(json: unknown, file: string): PostprocessingOp[] {
  const j = json as { postprocessing_fns?: unknown; postprocessing_kwargs?: unknown };
  const fns = j.postprocessing_fns;
  const kwargs = j.postprocessing_kwargs;
  if (!Array.isArray(fns) || !Array.isArray(kwargs) || fns.length !== kwargs.length) {
    throw new NodeError('POSTPROCESSING_INVALID', `${file}: postprocessing_fns and postprocessing_kwargs must be lists of equal length`, { file });
  }
  return fns.map((fn, i) => {
    const kw = kwargs[i] as { labels_or_regions?: PostprocessingOp['labels_or_regions'] };
    if (fn !== KEEP_LARGEST || kw?.labels_or_regions === undefined) {
      throw new NodeError('POSTPROCESSING_INVALID', `${file}: unsupported operation ${String(fn)} at position ${i}`, { file, path: `/postprocessing_fns/${i}` });
    }
    return { fn: KEEP_LARGEST, labels_or_regions: kw.labels_or_regions };
  });
}

/**
 * Where a model's postprocessing is: ours (postprocessing.json) or nnU-Net's postprocessing.pkl in the model folder,
 * the file inference_information.json names (nnU-Net writes an absolute path: it is looked up under `root`, the
 * folder it was found in), or the cross-validation folder of exactly these folds (crossval_results_folds_0_1_2_3_4).
 */
export function findPostprocessing(modelDir: string, more: { root?: string; folds?: readonly (number | 'all')[]; named?: string } = {}): string | null {
  const candidates = [join(modelDir, 'postprocessing.json'), join(modelDir, 'postprocessing.pkl')];
  if (more.named && more.root) {
    const parts = more.named.split(/[\\/]/);
    const at = parts.lastIndexOf(basename(more.root));
    if (at >= 0) candidates.push(join(more.root, ...parts.slice(at + 1)));
  }
  if (more.folds?.length) candidates.push(join(modelDir, `crossval_results_folds_${more.folds.join('_')}`, 'postprocessing.pkl'));
  return candidates.find((f) => existsSync(f)) ?? null;
}

/** The model folder's postprocessing as a label-map transform; null when the model has none (or none accepted). */
export async function loadPostprocessing(modelDir: string, more: Parameters<typeof findPostprocessing>[1] = {}): Promise<((seg: LabelMap, shape: Shape3) => LabelMap) | null> {
  const file = findPostprocessing(modelDir, more);
  if (!file) return null;
  const json = file.endsWith('.pkl') ? await readPostprocessingPkl(file) : parsePythonJson(await readFile(file, 'utf8'));
  const ops = parseOps(json, file);
  return ops.length === 0 ? null : (seg, shape) => applyOps(seg, shape, ops);
}

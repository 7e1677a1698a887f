// spec §9 (nnUNetv2_apply_postprocessing): replay the recorded operations on new predictions.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readPostprocessingPkl } from '../../src/interop/pth/postprocessing-pkl.js';
import { NodeError } from '../../src/engine/errors.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import type { LabelMap } from '../../src/nn/predict/labels.js';
import { readJsonFileAs } from '../../src/util/json-file.js';
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
 * folder it was found in, and never outside it), or the cross-validation folder of exactly these folds
 * (crossval_results_folds_0_1_2_3_4). `warn` hears of a named file that is not there.
 */
export function findPostprocessing(modelDir: string, more: {
  root?: string; folds?: readonly (number | 'all')[]; named?: string; warn?: (line: string) => void;
  /** false: the model folder's own postprocessing is find-best's for another configuration than the one predicting */
  own?: boolean;
} = {}): string | null {
  const candidates = more.own === false ? [] : [join(modelDir, 'postprocessing.json'), join(modelDir, 'postprocessing.pkl')];
  let named: string | undefined;
  if (more.named && more.root) {
    const parts = more.named.split(/[\\/]/);
    const at = parts.lastIndexOf(basename(more.root));
    const rest = parts.slice(at + 1);
    if (at >= 0 && !rest.includes('..')) named = join(more.root, ...rest);
    else more.warn?.(`inference_information.json names postprocessing_file ${more.named}, which is not inside ${more.root}: ignored`);
  }
  if (named) candidates.push(named);
  if (more.folds?.length) candidates.push(join(modelDir, `crossval_results_folds_${more.folds.join('_')}`, 'postprocessing.pkl'));
  const found = candidates.find((f) => existsSync(f)) ?? null;
  if (named && !found) more.warn?.(`inference_information.json names postprocessing_file ${more.named}, but ${named} is not there: predicting without postprocessing`);
  return found;
}

/** The model folder's postprocessing as a label-map transform; null when the model has none (or none accepted). */
export async function loadPostprocessing(modelDir: string, more: Parameters<typeof findPostprocessing>[1] = {}): Promise<((seg: LabelMap, shape: Shape3) => LabelMap) | null> {
  const file = findPostprocessing(modelDir, more);
  if (!file) return null;
  const json = file.endsWith('.pkl') ? await readPostprocessingPkl(file)
    : (await readJsonFileAs(file, { what: basename(file) }, { error: NodeError, code: 'POSTPROCESSING_INVALID' })).value;
  const ops = parseOps(json, file);
  return ops.length === 0 ? null : (seg, shape) => applyOps(seg, shape, ops);
}

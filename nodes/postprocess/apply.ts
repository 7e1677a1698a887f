// spec §9 (nnUNetv2_apply_postprocessing): replay the recorded operations on new predictions.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/** The model folder's postprocessing as a label-map transform; null when the model has none (or none accepted). */
export async function loadPostprocessing(modelDir: string): Promise<((seg: LabelMap, shape: Shape3) => LabelMap) | null> {
  const file = join(modelDir, 'postprocessing.json');
  if (!existsSync(file)) return null;
  const ops = parseOps(parsePythonJson(await readFile(file, 'utf8')), file);
  return ops.length === 0 ? null : (seg, shape) => applyOps(seg, shape, ops);
}

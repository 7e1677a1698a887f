// spec §8 (nnUNetv2_ensemble): average the saved probabilities of several prediction folders, case by case.
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type Issue } from '../../src/engine/errors.js';
import { writeSegmentation } from '../../src/imaging/index.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import { addInto, probabilitiesToSegmentation, type LabelHandling, type LabelMap } from '../../src/nn/predict/labels.js';
import { readNpz, writeNpz } from '../../src/nn/predict/npz.js';
import type { CaseProperties } from '../preprocess/preprocess-case.js';
import { geometryOf } from '../predict/export-prediction.js';

export interface EnsembleOptions {
  handling: LabelHandling;
  fileEnding: string;
  saveProbabilities?: boolean;
  /** label map post-processing applied before writing (the model's postprocessing.json) */
  postprocess?: (seg: LabelMap, shape: Shape3) => LabelMap;
  /** called with each ensembled case (find-best evaluates without re-reading the files) */
  onCase?: (id: string, seg: LabelMap, shape: Shape3) => void | Promise<void>;
}

const npzCases = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.npz')).map((f) => f.slice(0, -4)).sort() : [];

/** Case ids every folder must share; all problems reported at once. */
export function commonCases(folders: readonly string[]): string[] {
  if (folders.length < 2) throw new NodeError('ENSEMBLE_TOO_FEW', `an ensemble needs at least two folders, got ${folders.length}`);
  const sets = folders.map(npzCases);
  const issues: Issue[] = [];
  folders.forEach((f, i) => {
    if (sets[i].length === 0) issues.push({ code: 'ENSEMBLE_NO_PROBABILITIES', file: f, message: `${f} holds no .npz probabilities (predict with --save-probabilities)` });
    const differ = sets[i].filter((c) => !sets[0].includes(c)).concat(sets[0].filter((c) => !sets[i].includes(c)));
    if (sets[i].length > 0 && differ.length > 0) {
      issues.push({ code: 'ENSEMBLE_CASES_DIFFER', file: f, message: `${f} and ${folders[0]} differ in cases: ${differ.slice(0, 5).join(', ')}` });
    }
  });
  if (issues.length > 0) throw new NodeError(issues[0].code, issues.map((i) => i.message).join('\n'), { file: issues[0].file }, { issues });
  return sets[0];
}

/**
 * For every case: mean of the folders' probabilities (float32), argmax or region painting, written with the first
 * folder's properties (geometry); plans.json / dataset.json copied from the first folder when present.
 */
export async function ensembleFolders(folders: readonly string[], outDir: string, o: EnsembleOptions): Promise<string[]> {
  const cases = commonCases(folders);
  await mkdir(outDir, { recursive: true });
  for (const f of ['plans.json', 'dataset.json']) if (existsSync(join(folders[0], f))) await copyFile(join(folders[0], f), join(outDir, f));
  for (const id of cases) {
    const props = JSON.parse(await readFile(join(folders[0], `${id}.json`), 'utf8')) as CaseProperties;
    let sum: Float32Array | null = null;
    let shape: number[] = [];
    for (const folder of folders) {
      const { probabilities: p } = await readNpz(join(folder, `${id}.npz`));
      if (!p) throw new NodeError('ENSEMBLE_BAD_NPZ', `${join(folder, `${id}.npz`)} has no 'probabilities' array`, { file: join(folder, `${id}.npz`) });
      if (sum === null) {
        sum = Float32Array.from(p.data);
        shape = p.shape;
      } else {
        if (p.shape.join() !== shape.join()) {
          throw new NodeError('ENSEMBLE_SHAPE_MISMATCH', `${id}: probabilities [${p.shape}] in ${folder} vs [${shape}] in ${folders[0]}`, { item: id });
        }
        addInto(sum, p.data);
      }
    }
    for (let i = 0; i < sum!.length; i++) sum![i] /= folders.length;
    const [channels, ...spatial] = shape;
    const raw = probabilitiesToSegmentation(sum!, channels, o.handling);
    const seg = o.postprocess ? o.postprocess(raw, spatial as Shape3) : raw;
    await writeSegmentation(join(outDir, id + o.fileEnding), seg, spatial as Shape3, geometryOf(props));
    if (o.saveProbabilities) {
      await writeNpz(join(outDir, `${id}.npz`), { probabilities: { data: sum!, shape } });
      await writeFile(join(outDir, `${id}.json`), JSON.stringify(props));
    }
    await o.onCase?.(id, seg, spatial as Shape3);
  }
  return cases;
}

// Reads preprocessed cases (`<id>.npy`, `<id>_seg.npy`, `<id>.json`, and for a cascade stage the previous stage's
// segmentation) and keeps recent ones in memory.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Issue } from '../../engine/errors.js';
import { readNpy } from '../../imaging/io/npy.js';
import { parseClassLocations, type ClassLocationEntry } from './class-locations.js';
import { DATA_CASE_INVALID, DATA_CASES_MISSING, DataError } from './errors.js';

export interface CaseRef {
  id: string;
  dir: string;
  /** cascade: the previous stage's segmentation on this case's grid (int16 (1, X, Y, Z) .npy), loaded as seg channel 1 */
  previousStage?: string;
}

export interface LoadedCase {
  id: string;
  data: Float32Array;
  seg: Int16Array;
  /** (C, X, Y, Z) */
  dataShape: number[];
  /** (Cs, X, Y, Z); Cs = 2 with a previous stage (spec §5.5: appended as seg channel 1) */
  segShape: number[];
  locations: ClassLocationEntry[];
}

export function caseFiles(c: CaseRef): { data: string; seg: string; props: string; previousStage?: string } {
  const files = { data: join(c.dir, `${c.id}.npy`), seg: join(c.dir, `${c.id}_seg.npy`), props: join(c.dir, `${c.id}.json`) };
  return c.previousStage ? { ...files, previousStage: c.previousStage } : files;
}

/** Fails with every missing file at once, before any worker starts. */
export function assertCasesExist(cases: readonly CaseRef[]): void {
  const issues: Issue[] = [];
  for (const c of cases) {
    for (const file of Object.values(caseFiles(c)) as string[]) {
      if (!existsSync(file)) issues.push({ code: DATA_CASES_MISSING, message: `missing ${file}`, file, item: c.id });
    }
  }
  if (issues.length > 0) {
    throw new DataError(DATA_CASES_MISSING, `${issues.length} preprocessed file(s) missing, first: ${issues[0].file}`, {}, { issues });
  }
}

export async function loadCase(c: CaseRef): Promise<LoadedCase> {
  const files = caseFiles(c);
  const fail = (file: string, msg: string): never => {
    throw new DataError(DATA_CASE_INVALID, `${file}: ${msg}`, { file, item: c.id });
  };
  const [data, seg, propsText] = await Promise.all([readNpy(files.data), readNpy(files.seg), readFile(files.props, 'utf8')]);
  if (!(data.data instanceof Float32Array) || data.shape.length !== 4) fail(files.data, `expected float32 (C, X, Y, Z), got ${data.data.constructor.name} [${data.shape.join(', ')}]`);
  if (!(seg.data instanceof Int16Array) || seg.shape.length !== 4) fail(files.seg, `expected int16 (1, X, Y, Z), got ${seg.data.constructor.name} [${seg.shape.join(', ')}]`);
  if (seg.shape.slice(1).join() !== data.shape.slice(1).join()) fail(files.seg, `spatial shape [${seg.shape.slice(1).join(', ')}] differs from the image's [${data.shape.slice(1).join(', ')}]`);
  let props: { class_locations?: Record<string, unknown> };
  try {
    props = JSON.parse(propsText) as typeof props;
  } catch (cause) {
    throw new DataError(DATA_CASE_INVALID, `${files.props}: not valid JSON`, { file: files.props, item: c.id }, { cause });
  }
  if (props.class_locations === undefined || typeof props.class_locations !== 'object') fail(files.props, 'has no class_locations object');
  let locations: ClassLocationEntry[] = [];
  try {
    locations = parseClassLocations(props.class_locations!, files.props);
  } catch (cause) {
    fail(files.props, (cause as Error).message);
  }
  const loaded = { id: c.id, data: data.data as Float32Array, seg: seg.data as Int16Array, dataShape: data.shape, segShape: seg.shape, locations };
  return files.previousStage ? withPreviousStage(loaded, files.previousStage, fail) : loaded;
}

/** Stacks the previous stage's segmentation under the target as seg channel 1, so crops and spatial transforms treat it as a seg. */
async function withPreviousStage(c: LoadedCase, file: string, fail: (file: string, msg: string) => never): Promise<LoadedCase> {
  const prev = await readNpy(file);
  if (!(prev.data instanceof Int16Array) || prev.shape.length !== 4 || prev.shape[0] !== 1) {
    fail(file, `expected an int16 (1, X, Y, Z) previous-stage segmentation, got ${prev.data.constructor.name} [${prev.shape.join(', ')}]`);
  }
  if (prev.shape.slice(1).join() !== c.segShape.slice(1).join()) {
    fail(file, `previous-stage segmentation shape [${prev.shape.slice(1).join(', ')}] differs from the preprocessed case's [${c.segShape.slice(1).join(', ')}]`);
  }
  const seg = new Int16Array(c.seg.length + prev.data.length);
  seg.set(c.seg);
  seg.set(prev.data as Int16Array, c.seg.length);
  return { ...c, seg, segShape: [c.segShape[0] + 1, ...c.segShape.slice(1)] };
}

/** Keeps loaded cases up to a byte budget, dropping the oldest first (nnU-Net reads them from disk each time). */
export class CaseCache {
  private readonly cases = new Map<string, LoadedCase>();
  private bytes = 0;
  constructor(private readonly budgetBytes: number) {}

  async get(c: CaseRef): Promise<LoadedCase> {
    const hit = this.cases.get(c.id);
    if (hit) return hit;
    const loaded = await loadCase(c);
    const size = loaded.data.byteLength + loaded.seg.byteLength;
    if (size <= this.budgetBytes) {
      for (const [id, old] of this.cases) {
        if (this.bytes + size <= this.budgetBytes) break;
        this.cases.delete(id);
        this.bytes -= old.data.byteLength + old.seg.byteLength;
      }
      this.cases.set(c.id, loaded);
      this.bytes += size;
    }
    return loaded;
  }
}

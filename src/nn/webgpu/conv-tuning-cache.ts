/**
 * Keeps the conv tuner's choices (conv-tuner.ts) across processes in one JSON file, per adapter, so the next fold,
 * prediction or Slurm task on the same GPU model starts with them instead of timing every shape again (cuDNN's
 * benchmark mode forgets at exit; a predict call on one case would otherwise pay the timing itself). The file is
 * a cache: a broken or oversized one is moved aside with a warning and rebuilt, never trusted and never lost.
 * Writers replace it atomically (temporary file, then rename) after merging what is there, so concurrent fold
 * processes cannot leave it half-written; a lost race only means a shape is timed again.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { GpuAdapterFacts } from './adapter.js';
import { CONV_ALGOS, type ConvAlgo, type ConvTiming, type RememberedChoice } from './conv-tuner.js';

/** A file this big is not one we wrote (about 150 bytes per shape, a few hundred shapes per GPU model). */
const MAX_BYTES = 8 * 1024 * 1024;
/** 2: ms per candidate (format 1 held two, GEMM and stock, timed against kernels since replaced) */
const FORMAT = 2;

interface SavedChoice { chosen: ConvAlgo; kernel: string; ms: Partial<Record<ConvAlgo, number>>; at: string }
interface TuningFile { format: typeof FORMAT; devices: Record<string, Record<string, SavedChoice>> }

/**
 * NNUNET_CONV_TUNING: the file, `off` for none; unset or empty: $XDG_CACHE_HOME (else ~/.cache)/nnunet-ts/
 * conv-tuning.json. A relative path is taken from the working directory.
 */
export function convTuningFile(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.NNUNET_CONV_TUNING;
  if (v === 'off') return null;
  if (v) return resolve(v);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nnunet-ts', 'conv-tuning.json');
}

/** Choices are per GPU model and driver: what Dawn reports of the adapter. */
export const deviceKey = (g: GpuAdapterFacts): string => [g.vendor, g.architecture, g.device, g.description].join(' | ');

export interface LoadedTuning { choices: RememberedChoice[]; warning?: string }

const isChoice = (v: unknown): v is SavedChoice => {
  const c = v as SavedChoice;
  return typeof v === 'object' && v !== null && (CONV_ALGOS as readonly unknown[]).includes(c.chosen)
    && typeof c.kernel === 'string' && typeof c.ms === 'object' && c.ms !== null
    && CONV_ALGOS.every((a) => c.ms[a] === undefined || Number.isFinite(c.ms[a])) && Number.isFinite(c.ms[c.chosen]);
};

/** The file's content, or why it cannot be used (missing is not a problem: nothing tuned yet). */
async function readTuning(file: string): Promise<{ data: TuningFile; problem?: string }> {
  const empty: TuningFile = { format: FORMAT, devices: {} };
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: empty };
    return { data: empty, problem: `cannot read it (${(err as Error).message})` };
  }
  if (size > MAX_BYTES) return { data: empty, problem: `it is ${size} bytes, over the ${MAX_BYTES} a tuning cache can be` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    return { data: empty, problem: `not valid JSON (${(err as Error).message})` };
  }
  const t = parsed as TuningFile;
  const isObject = typeof parsed === 'object' && parsed !== null;
  // an older format's choices were timed against other kernels: nothing in it would be trusted, so start afresh
  if (isObject && typeof t.format === 'number' && t.format < FORMAT) return { data: empty };
  if (!isObject || t.format !== FORMAT || typeof t.devices !== 'object' || t.devices === null) {
    return { data: empty, problem: `not a conv tuning file of format ${FORMAT}` };
  }
  // entries that do not look like ours are dropped one by one; the rest stays usable
  // no prototype: a device named __proto__ in a hostile file stays a plain key
  const devices: TuningFile['devices'] = Object.create(null);
  for (const [device, shapes] of Object.entries(t.devices)) {
    if (typeof shapes !== 'object' || shapes === null) continue;
    devices[device] = Object.fromEntries(Object.entries(shapes).filter(([, c]) => isChoice(c)));
  }
  return { data: { format: FORMAT, devices } };
}

/** Moves an unusable file aside (kept for a look, out of the way of the rewrite). */
async function setAside(file: string, problem: string): Promise<string> {
  const aside = `${file}.broken-${Date.now()}`;
  try {
    await rename(file, aside);
    return `conv tuning cache ${file} ignored: ${problem}; moved to ${aside}, and shapes are timed again`;
  } catch (err) {
    return `conv tuning cache ${file} ignored: ${problem} (could not move it aside: ${(err as Error).message})`;
  }
}

/** The choices saved for this adapter. */
export async function loadConvTuning(file: string, gpu: GpuAdapterFacts): Promise<LoadedTuning> {
  const { data, problem } = await readTuning(file);
  const warning = problem ? await setAside(file, problem) : undefined;
  const mine = data.devices[deviceKey(gpu)] ?? {};
  return { choices: Object.entries(mine).map(([key, c]) => ({ key, chosen: c.chosen, kernel: c.kernel })), warning };
}

/** Merges fresh timings into the file under this adapter and replaces it atomically. */
export async function saveConvTuning(file: string, gpu: GpuAdapterFacts, timed: ConvTiming[]): Promise<void> {
  const { data, problem } = await readTuning(file);
  if (problem) await setAside(file, problem);
  const key = deviceKey(gpu);
  const mine = (data.devices[key] ??= {});
  const at = new Date().toISOString();
  for (const t of timed) {
    const ms = Object.fromEntries(Object.entries(t.ms).map(([a, v]) => [a, round(v)]));
    mine[t.key] = { chosen: t.chosen, kernel: t.kernel, ms, at };
  }
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, `${JSON.stringify(data, null, 1)}\n`);
  await rename(tmp, file);
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

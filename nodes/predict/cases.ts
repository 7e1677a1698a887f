// spec §1.1 / §6.1: which files make up which case at inference (CASEID_XXXX<ending>; one file may hold several
// channels, an RGB .png say, so the channel count itself is checked once the images are read).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NodeError, type Issue } from '../../src/engine/errors.js';

export interface CaseFiles {
  id: string;
  /** the case's files in channel order (usually one per channel) */
  files: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Cases from a folder or from explicit files. Files named CASEID_XXXX<ending> are grouped by case; with a
 * single-channel model a file without the channel suffix is a case of its own. Every problem is reported at once.
 */
export function findCases(inputs: string[], fileEnding: string, channels: number): CaseFiles[] {
  const files = inputs.length === 1 && existsSync(inputs[0]) && statSync(inputs[0]).isDirectory()
    ? readdirSync(inputs[0]).filter((f) => f.toLowerCase().endsWith(fileEnding.toLowerCase())).sort().map((f) => join(inputs[0], f))
    : inputs;
  const issues: Issue[] = [];
  const pattern = new RegExp(`^(.+)_(\\d{4})${escape(fileEnding)}$`, 'i');
  const byCase = new Map<string, Map<number, string>>();
  for (const f of files) {
    const name = basename(f);
    const m = pattern.exec(name);
    let id: string;
    let channel: number;
    if (m) {
      [id, channel] = [m[1], Number(m[2])];
    } else if (channels === 1 && name.toLowerCase().endsWith(fileEnding.toLowerCase())) {
      [id, channel] = [name.slice(0, name.length - fileEnding.length), 0];
    } else {
      issues.push({ code: 'PREDICT_BAD_INPUT_NAME', file: f, message: `${name} is not named CASEID_XXXX${fileEnding}` });
      continue;
    }
    if (!existsSync(f)) issues.push({ code: 'PREDICT_INPUT_NOT_FOUND', file: f, message: `${f} does not exist` });
    const entry = byCase.get(id) ?? new Map<number, string>();
    entry.set(channel, f);
    byCase.set(id, entry);
  }
  // every case needs the channel files the fullest case has: with one file per channel that is _0000.._<C-1>,
  // with packed files (RGB .png) fewer; whether they add up to the model's channels is known once read
  const widest = Math.max(0, ...[...byCase.values()].map((chans) => 1 + Math.max(-1, ...[...chans.keys()].filter((c) => c < channels))));
  const cases: CaseFiles[] = [];
  for (const [id, chans] of [...byCase].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const missing = Array.from({ length: widest }, (_, c) => c).filter((c) => !chans.has(c));
    const extra = [...chans.keys()].filter((c) => c >= channels);
    if (missing.length > 0 || extra.length > 0) {
      issues.push({ code: 'PREDICT_CASE_CHANNELS', item: id, message:
        `case ${id}: the model takes ${channels} channel(s); ${missing.length ? `missing _${missing.map((c) => String(c).padStart(4, '0')).join(', _')}` : ''}${extra.length ? ` unexpected _${extra.map((c) => String(c).padStart(4, '0')).join(', _')}` : ''}` });
      continue;
    }
    cases.push({ id, files: Array.from({ length: widest }, (_, c) => chans.get(c)!) });
  }
  if (issues.length > 0) {
    throw new NodeError('PREDICT_BAD_INPUT', `${issues.length} problem(s) with the input images:\n${issues.map((i) => `  ${i.message}`).join('\n')}`, {}, { issues });
  }
  if (cases.length === 0) throw new NodeError('PREDICT_NO_CASES', `no ${fileEnding} images found in ${inputs.join(', ')}`);
  return cases;
}

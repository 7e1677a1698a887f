import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { NnunetError } from '../engine/errors.js';

/** The path itself if it exists, else its nearest existing parent, with whether that one is the path. */
function nearestExisting(path: string): { at: string; isFolder: boolean; self: boolean } | undefined {
  for (let p = resolve(path), self = true; ; p = dirname(p), self = false) {
    try {
      return { at: p, isFolder: statSync(p).isDirectory(), self };
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

/** Options that name a folder we write into (input folders, such as `-m <dir>`, may also be archives). */
const OUTPUT_FOLDERS = new Set(['--store', '--runs-dir', '--out', '--output']);

/**
 * Every output folder option (`--store`, `--runs-dir`, and a subcommand's `--out <dir>`/`--output <dir>`) must name a
 * folder or a path that can become one. A file there is refused before any work starts, not after a whole run when
 * the first write fails.
 */
export function checkFolderOptions(program: Command, action: Command): void {
  const problems: string[] = [];
  for (const cmd of [program, action]) {
    for (const opt of cmd.options) {
      if (!OUTPUT_FOLDERS.has(opt.long ?? '') || !/<dir>/.test(opt.flags)) continue;
      const value = cmd.getOptionValue(opt.attributeName()) as unknown;
      if (typeof value !== 'string' || value === '') continue;
      const found = nearestExisting(value);
      if (!found || found.isFolder) continue;
      problems.push(found.self ? `${opt.long ?? opt.flags} ${value}: is a file, not a folder`
        : `${opt.long ?? opt.flags} ${value}: ${found.at} is a file, so no folder can be made below it`);
    }
  }
  if (problems.length > 0) {
    throw new NnunetError('CLI_NOT_A_FOLDER', problems.length === 1 ? `${problems[0]} (choose a folder)` : `${problems.length} folder options name files: choose folders`, {},
      { issues: problems.map((message) => ({ code: 'CLI_NOT_A_FOLDER', message })) });
  }
}

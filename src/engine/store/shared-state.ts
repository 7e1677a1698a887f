import { readFileSync } from 'node:fs';
import { acquireLock } from './lock.js';

/** A file's text, or undefined when it cannot be read (missing: the state files start empty). */
export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A state file's entries: its JSON object, or none when it does not parse or parses as anything else (null, a list, a
 * number): a damaged cache file is as good as empty, never a crash on every later run.
 */
export function parseEntries<T>(text: string | undefined): Record<string, T> {
  try {
    const v = JSON.parse(text ?? '{}') as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, T>) : {};
  } catch {
    return {};
  }
}

/** How the store's shared state files are saved: see updateLocked. */
export type UpdateFile = (file: string, merge: (current: string | undefined) => string) => Promise<void>;

/**
 * Read-merge-write of a file several processes update (the store's shared state: seals, stat cache, last index,
 * record pack), under a lock beside it (`<file>.lock`): each process folds its own entries into what is there
 * now, so no save drops the entries another process saved meanwhile. `merge` gets the text as it is (undefined
 * when missing) and returns the text to write.
 */
export async function updateLocked(file: string, merge: (current: string | undefined) => string,
  write: (file: string, text: string) => Promise<void>): Promise<void> {
  const release = await acquireLock(`${file}.lock`);
  try {
    await write(file, merge(readText(file)));
  } finally {
    await release();
  }
}

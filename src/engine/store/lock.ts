import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { AbortedError, StoreError } from '../errors.js';

interface LockOwner {
  pid: number;
  host: string;
}

const POLL_MS = 50;

/** True while a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock file names a process on this host that no longer exists (killed run). */
async function isStale(file: string): Promise<boolean> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as LockOwner;
    return owner.host === hostname() && !processAlive(owner.pid);
  } catch {
    // unreadable: the owner is between create and write; treat as live, it resolves within a poll
    return false;
  }
}

export type Release = () => Promise<void>;

/**
 * Exclusive lock by O_EXCL file creation, one per action key, so two engine processes on one store never
 * execute the same action at once. A lock left by a killed process (same host, dead pid) is taken over.
 * `onWait` runs once when another live process holds the lock.
 */
export async function acquireLock(file: string, signal?: AbortSignal, onWait?: () => void): Promise<Release> {
  let waited = false;
  for (;;) {
    try {
      // synchronous: an uncontended lock is two syscalls, not worth two thread-pool round trips
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() } satisfies LockOwner));
      } finally {
        closeSync(fd);
      }
      return async () => {
        try {
          unlinkSync(file);
        } catch {
          // already taken over as stale
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError('STORE_LOCK_FAILED', `cannot create lock ${file}: ${(err as Error).message}`, { file }, { cause: err });
      }
    }
    if (await isStale(file)) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (!waited) onWait?.();
    waited = true;
    if (signal?.aborted) throw new AbortedError('aborted while waiting for a lock');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, utimesSync, writeSync, statSync, linkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AbortedError, StoreError } from '../errors.js';

interface LockOwner {
  pid: number;
  host: string;
  /** tells this holder's lock file from a later one at the same path */
  token: string;
}

const POLL_MS = 50;

/**
 * How long a lock lives without renewal. The holder touches the file every LEASE_MS / 4; a lock whose file
 * has not been touched for LEASE_MS belongs to a process that is gone (killed job, failed node) on whatever
 * host, and is taken over. Hosts of a shared store must agree on the clock to within a fraction of this.
 */
export const LEASE_MS = Number(process.env.NNUNET_LOCK_LEASE_MS ?? 60_000);

/** True while a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// A writer needs microseconds between creating its lock file and writing its owner into it; a file still empty
// (or unparseable) this long after it was made belongs to a writer killed in between, and is taken over.
const UNWRITTEN_MS = 2000;

/** Who holds a lock file as it is now: its owner (undefined while unwritten), when it was last touched, its inode. */
interface Seen {
  owner?: LockOwner;
  touchedMs: number;
  ino: number;
}

function readLock(file: string): Seen | undefined {
  let s;
  try {
    s = statSync(file);
  } catch {
    return undefined; // gone: the next create decides
  }
  let owner: LockOwner | undefined;
  try {
    owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    owner = undefined;
  }
  return { owner, touchedMs: s.mtimeMs, ino: s.ino };
}

/**
 * A lock that may be taken over: a dead pid on this host, a lease nobody renewed in time, or an owner never
 * written (see UNWRITTEN_MS).
 */
function staleLock(file: string, leaseMs: number): Seen | undefined {
  const seen = readLock(file);
  if (!seen) return undefined;
  const age = Date.now() - seen.touchedMs;
  if (!seen.owner) return age > Math.min(UNWRITTEN_MS, leaseMs) ? seen : undefined;
  if (seen.owner.host === hostname() && !processAlive(seen.owner.pid)) return seen;
  return age > leaseMs ? seen : undefined;
}

/**
 * Removes a stale lock, but only the one that was judged stale: it is renamed aside first and checked by its
 * inode and token, so two hosts taking over at once never delete a lock a third process created in between.
 */
function takeOver(file: string, stale: Seen): void {
  const aside = `${file}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else took it over first
  }
  const moved = readLock(aside);
  if (moved?.ino !== stale.ino || moved.owner?.token !== stale.owner?.token) {
    // a fresh lock was moved: put it back (link fails only when yet another lock appeared, which then rules)
    try {
      linkSync(aside, file);
    } catch {
      // that newer lock holds; ours stays removed
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already removed
  }
}

export type Release = () => Promise<void>;

/**
 * Exclusive lock by O_EXCL file creation, one per action key, so engine processes on one store - on one host
 * or several sharing the store's filesystem - never execute the same action at once. The holder renews a
 * lease by touching the file; a lock left by a killed process (same host, dead pid), with an expired lease
 * (any host) or with its owner never written is taken over. `onWait` runs once when another live process
 * holds the lock.
 */
export async function acquireLock(file: string, signal?: AbortSignal, onWait?: () => void, leaseMs = LEASE_MS): Promise<Release> {
  let waited = false;
  for (;;) {
    const token = randomBytes(8).toString('hex');
    try {
      // synchronous: an uncontended lock is a few syscalls, not worth thread-pool round trips
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), token } satisfies LockOwner));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return holdLease(file, token, leaseMs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError('STORE_LOCK_FAILED', `cannot create lock ${file}: ${(err as Error).message}`, { file }, { cause: err });
      }
    }
    const stale = staleLock(file, leaseMs);
    if (stale) {
      takeOver(file, stale);
      continue;
    }
    if (!waited) onWait?.();
    waited = true;
    if (signal?.aborted) throw new AbortedError('aborted while waiting for a lock');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Renews the lease while held; the release removes the file only while it is still this holder's. */
function holdLease(file: string, token: string, leaseMs: number): Release {
  const mine = (): boolean => readLock(file)?.owner?.token === token;
  const timer = setInterval(() => {
    try {
      if (mine()) utimesSync(file, new Date(), new Date());
    } catch {
      // a renewal that fails (file gone) is judged by the next one
    }
  }, Math.max(10, leaseMs / 4));
  timer.unref();
  return async () => {
    clearInterval(timer);
    try {
      if (mine()) unlinkSync(file);
    } catch {
      // already taken over as stale
    }
  };
}

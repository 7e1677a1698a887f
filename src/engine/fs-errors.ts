import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { NnunetError } from './errors.js';

/** Errors of the machine, not of the program: a full disk or a read-only folder is for the user to fix. */
const ADVICE: Record<string, [string, string]> = {
  EACCES: ['permission denied', 'make it writable for this user, or choose another folder (--store, --runs-dir, --out)'],
  EPERM: ['operation not permitted', 'make it writable for this user, or choose another folder (--store, --runs-dir, --out)'],
  EROFS: ['read-only file system', 'choose a folder on a writable file system (--store, --runs-dir, --out)'],
  ENOSPC: ['no space left on the device', 'free space (nnunet store gc frees outputs no run keeps) or choose another folder'],
  EDQUOT: ['disk quota exceeded', 'free space (nnunet store gc frees outputs no run keeps) or choose another folder'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n) or run fewer actions at once (-j)'],
  ENFILE: ['too many open files on the system', 'raise the limit or run fewer actions at once (-j)'],
  EIO: ['input/output error', 'check the disk'],
  ENOTDIR: ['a part of the path is a file, not a folder', 'choose a path whose parents are folders'],
  EISDIR: ['it is a folder, not a file', 'name a file'],
  EEXIST: ['a file is already there', 'move it away or choose another path'],
};

const OPERATION: Record<string, string> = {
  open: 'open', mkdir: 'create the folder', rename: 'rename into', write: 'write', unlink: 'remove', rmdir: 'remove',
  link: 'link', copyfile: 'copy to', chmod: 'change permissions of', scandir: 'list', read: 'read', stat: 'read',
  lstat: 'read', mkdtemp: 'create a temp folder in', symlink: 'link', utime: 'touch', cp: 'copy to', fsync: 'write',
};

/**
 * An errno error of a write through a file descriptor carries no path: `path` is the file it was writing, so the
 * message can name it. Returns the error (with the path set when it had none).
 */
export function withPath(err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof Error && typeof e.code === 'string' && e.path === undefined) e.path = path;
  return err;
}

/** Creating a folder under a read-only or unwritable parent: Node says ENOENT; the real reason is the parent's. */
function unwritableParent(path: string): { dir: string; code: string } | undefined {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return typeof code === 'string' && code in ADVICE ? { dir, code } : undefined;
  }
}

/** A Node errno error (or one it caused) as a user error naming path, operation and what to do; else undefined. */
export function fsError(err: unknown): NnunetError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, syscall, path, dest } = e as NodeJS.ErrnoException & { dest?: string };
    const parent = code === 'ENOENT' && syscall === 'mkdir' && path ? unwritableParent(path) : undefined;
    if (parent) {
      const [reason, todo] = ADVICE[parent.code];
      return new NnunetError(`FS_${parent.code}`, `cannot create the folder ${path}: ${parent.dir}: ${reason}; ${todo}`, {}, { cause: err });
    }
    if (typeof code !== 'string' || !(code in ADVICE)) continue;
    const [reason, todo] = ADVICE[code];
    const op = OPERATION[syscall ?? ''] ?? syscall ?? 'access';
    const target = syscall === 'rename' || syscall === 'link' || syscall === 'copyfile' ? (dest ?? path) : path;
    return new NnunetError(`FS_${code}`, `cannot ${op}${target ? ` ${target}` : ''}: ${reason}; ${todo}`, {}, { cause: err });
  }
  return undefined;
}

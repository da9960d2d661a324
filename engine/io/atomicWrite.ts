// Writes a file so that a reader sees either the old file or the whole new one, never a part:
// write a temporary file in the same folder, fsync it, rename it over the target, fsync the folder.
//
// Only a regular file (or a missing path) is ever replaced by rename, and it keeps its mode. Other targets:
// - a symbolic link is followed: its real file is written atomically (the link stays a link);
// - a character device (/dev/null, a terminal) or a FIFO is written through, as a shell's `>` would;
// - a folder, a block device or a socket is refused.
// Temporary files are named `.NAME.PID.TIME.N.tmp`; one left by a killed process (its PID is gone) is
// removed the next time the same target is written. Errors name the target, never the temporary file.
import { chmodSync, chownSync, closeSync, fsyncSync, lstatSync, openSync, readdirSync, realpathSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

const TEMPORARY_NAME = /^\.(.+)\.(\d+)\.(\d+)\.(\d+)\.tmp$/;

function temporaryPath(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${counter}.tmp`);
}

/** The target name and writer's pid of a temporary file this module makes, or undefined for any other name. */
export function parseTemporaryName(name: string): { target: string; pid: number } | undefined {
  const match = TEMPORARY_NAME.exec(name);
  if (match === null) return undefined;
  return { target: match[1], pid: Number(match[2]) };
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temporary files a killed writer left in `folder` (all of them, or only those of `target`). */
export function removeStaleTemporaries(folder: string, target?: string): string[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const parsed = parseTemporaryName(name);
    if (parsed === undefined || (target !== undefined && parsed.target !== target) || processIsAlive(parsed.pid)) continue;
    try {
      rmSync(join(folder, name), { force: true });
      removed.push(name);
    } catch {
      // another cleaner got there first, or the folder is read-only: harmless
    }
  }
  return removed;
}

/** makes a folder's entries (a rename, a new file) durable; a no-op where the file system cannot fsync a folder */
export function fsyncFolderSync(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems (and Windows) cannot fsync a folder; the rename is still atomic there
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function fsyncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // see fsyncFolderSync
  }
}

function asBytes(data: Uint8Array | string): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`cannot write a ${typeof data} to a file (expected bytes or a string)`);
}

/** An error about writing `path`, saying why in words, without the temporary file's name. */
export class WriteTargetError extends Error {
  constructor(readonly path: string, reason: string, readonly code?: string) {
    super(`${path}: ${reason}`);
    this.name = 'WriteTargetError';
  }
}

function reasonOf(error: unknown): { reason: string; code?: string } {
  if (error instanceof WriteTargetError) return { reason: error.message.slice(error.path.length + 2), ...(error.code !== undefined ? { code: error.code } : {}) };
  const e = error as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'its folder does not exist',
    ENOTDIR: 'a part of its folder path is not a folder',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'the file system is read-only',
    ENAMETOOLONG: 'the file name is too long',
    EISDIR: 'it is a folder',
    EXDEV: 'cross-device rename',
  };
  if (typeof e.code === 'string') return { reason: `cannot write (${words[e.code] ?? e.code})`, code: e.code };
  return { reason: `cannot write (${e instanceof Error ? e.message : String(error)})` };
}

function targetError(path: string, error: unknown): WriteTargetError {
  const { reason, code } = reasonOf(error);
  return new WriteTargetError(path, reason, code);
}

type Plan =
  | { kind: 'replace'; path: string; mode: number | undefined; owner: { uid: number; gid: number } | undefined }
  | { kind: 'through'; path: string };

function describeKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** How to write `path`: the (real) file to replace by rename with its mode, or a device/FIFO to write through. */
function planWrite(path: string): Plan {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'replace', path, mode: undefined, owner: undefined };
    throw targetError(path, error);
  }
  if (stats.isSymbolicLink()) {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new WriteTargetError(path, 'is a symbolic link whose target does not exist; not written (remove the link or point it at a file)');
    }
    return planWrite(real);
  }
  if (stats.isFile()) {
    const owner = typeof process.getuid === 'function' && process.getuid() === 0 ? { uid: stats.uid, gid: stats.gid } : undefined;
    return { kind: 'replace', path, mode: stats.mode & 0o7777, owner };
  }
  if (stats.isCharacterDevice() || stats.isFIFO()) return { kind: 'through', path };
  throw new WriteTargetError(path, `is ${describeKind(stats)}; only a regular file is written (choose a file name)`);
}

function writeAllSync(fd: number, pieces: (Uint8Array | string)[]): void {
  for (const piece of pieces) {
    const bytes = asBytes(piece);
    let written = 0;
    while (written < bytes.byteLength) {
      written += writeSync(fd, bytes, written, bytes.byteLength - written);
    }
  }
}

/** Each piece is written in order; pieces avoid concatenating large buffers. */
export function writeFileAtomicSync(path: string, data: Uint8Array | string | (Uint8Array | string)[]): void {
  const pieces = Array.isArray(data) ? data : [data];
  const plan = planWrite(path);
  if (plan.kind === 'through') {
    let fd: number;
    try {
      fd = openSync(plan.path, 'w');
    } catch (error) {
      throw targetError(path, error);
    }
    try {
      writeAllSync(fd, pieces);
    } catch (error) {
      throw targetError(path, error);
    } finally {
      closeSync(fd);
    }
    return;
  }
  removeStaleTemporaries(dirname(plan.path), basename(plan.path));
  const temp = temporaryPath(plan.path);
  let fd: number;
  try {
    fd = openSync(temp, 'wx', plan.mode ?? 0o644);
  } catch (error) {
    throw targetError(path, error);
  }
  try {
    writeAllSync(fd, pieces);
    // the open mode passes through the umask; an existing file's mode is restored exactly
    if (plan.mode !== undefined) chmodSync(temp, plan.mode);
    if (plan.owner !== undefined) fsChownSync(temp, plan.owner);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw targetError(path, error);
  }
  closeSync(fd);
  try {
    renameSync(temp, plan.path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw targetError(path, error);
  }
  fsyncFolderSync(dirname(plan.path));
}

function fsChownSync(path: string, owner: { uid: number; gid: number }): void {
  try {
    chownSync(path, owner.uid, owner.gid);
  } catch {
    // keeping the owner is best effort: the data and mode are what matter
  }
}

export async function writeFileAtomic(path: string, data: Uint8Array | string | (Uint8Array | string)[]): Promise<void> {
  const pieces = Array.isArray(data) ? data : [data];
  const plan = planWrite(path);
  if (plan.kind === 'through') {
    // opened off the main thread: a FIFO without a reader waits here without blocking the event loop
    let handle;
    try {
      handle = await open(plan.path, 'w');
    } catch (error) {
      throw targetError(path, error);
    }
    try {
      for (const piece of pieces) await handle.write(asBytes(piece));
    } catch (error) {
      throw targetError(path, error);
    } finally {
      await handle.close();
    }
    return;
  }
  removeStaleTemporaries(dirname(plan.path), basename(plan.path));
  const temp = temporaryPath(plan.path);
  let handle;
  try {
    handle = await open(temp, 'wx', plan.mode ?? 0o644);
  } catch (error) {
    throw targetError(path, error);
  }
  try {
    for (const piece of pieces) {
      const bytes = asBytes(piece);
      let written = 0;
      while (written < bytes.byteLength) {
        const result = await handle.write(bytes, written, bytes.byteLength - written);
        written += result.bytesWritten;
      }
    }
    if (plan.mode !== undefined) await handle.chmod(plan.mode);
    if (plan.owner !== undefined) {
      try {
        await handle.chown(plan.owner.uid, plan.owner.gid);
      } catch {
        // best effort, as in fsChownSync
      }
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw targetError(path, error);
  }
  await handle.close();
  try {
    await rename(temp, plan.path);
  } catch (error) {
    await rm(temp, { force: true });
    throw targetError(path, error);
  }
  await fsyncFolder(dirname(plan.path));
}

// One training run per output folder: `DIR/.revnet-train.lock` holds the running process's pid, host and
// start time. A second run is refused with a message naming the first; a lock whose process is gone
// (killed, crashed) on this host is stale and taken over.
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = '.revnet-train.lock';

interface LockContent {
  pid: number;
  host: string;
  startedAt: string;
  outDir: string;
}

/** Locks held by this process (several engine requests may share a pid). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockContent | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.startedAt === 'string') return value as LockContent;
  } catch {
    // unreadable or half-written (a kill during its write): treated as stale below
  }
  return undefined;
}

function isHeld(path: string, lock: LockContent | undefined): boolean {
  if (lock === undefined) return false;
  if (lock.host !== hostname()) return true; // another machine on a shared folder: cannot tell, so respect it
  if (lock.pid === process.pid) return heldHere.has(path);
  return alive(lock.pid);
}

export interface RunLock {
  release(): void;
}

/** Takes the output folder's lock, or throws naming the run that holds it. The folder must exist. */
export function lockOutputFolder(outDir: string): RunLock {
  const path = join(outDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    const content: LockContent = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), outDir };
    // written whole beside it, then linked into place: link fails if the lock exists, and never shows a half-written lock
    const temp = `${path}.${process.pid}.${attempt}.tmp`;
    writeFileSync(temp, `${JSON.stringify(content)}\n`);
    try {
      linkSync(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${path}: cannot create the training lock (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      const lock = readLock(path);
      if (isHeld(path, lock) && lock !== undefined) {
        throw new Error(
          `${outDir} is in use by another training run (pid ${lock.pid} on ${lock.host}, started ${lock.startedAt}); ` +
            `wait for it to finish or stop it, or choose another --out (lock file: ${path})`,
        );
      }
      rmSync(path, { force: true });
      continue;
    } finally {
      rmSync(temp, { force: true });
    }
    heldHere.add(path);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        heldHere.delete(path);
        const current = readLock(path);
        if (current?.pid === process.pid && current.startedAt === content.startedAt) rmSync(path, { force: true });
      },
    };
  }
  throw new Error(`${path}: could not take the training lock (another run keeps taking it)`);
}

// Writes a file so that a reader sees either the old file or the whole new one, never a part:
// write a temporary file in the same folder, fsync it, rename it over the target, fsync the folder.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

function temporaryPath(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${counter}.tmp`);
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

/** Each piece is written in order; pieces avoid concatenating large buffers. */
export function writeFileAtomicSync(path: string, data: Uint8Array | string | (Uint8Array | string)[]): void {
  const pieces = Array.isArray(data) ? data : [data];
  const temp = temporaryPath(path);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    for (const piece of pieces) {
      const bytes = asBytes(piece);
      let written = 0;
      while (written < bytes.byteLength) {
        written += writeSync(fd, bytes, written, bytes.byteLength - written);
      }
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncFolderSync(dirname(path));
}

export async function writeFileAtomic(path: string, data: Uint8Array | string | (Uint8Array | string)[]): Promise<void> {
  const pieces = Array.isArray(data) ? data : [data];
  const temp = temporaryPath(path);
  const handle = await open(temp, 'wx', 0o644);
  try {
    for (const piece of pieces) {
      const bytes = asBytes(piece);
      let written = 0;
      while (written < bytes.byteLength) {
        const result = await handle.write(bytes, written, bytes.byteLength - written);
        written += result.bytesWritten;
      }
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncFolder(dirname(path));
}

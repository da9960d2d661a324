// Reads a whole input file, turning "no such file" and friends into a FileFormatError that names it.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { FileFormatError } from './fileFormatError';

/** Files larger than this are refused before reading (Node's readFileSync limit, 2 GiB - 1). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

export function readInputFile(path: string): Buffer {
  checkedSize(path);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new FileFormatError(path, `cannot be read (${describeSystemError(error)})`);
  }
}

/** the first `length` bytes of an input file (all of it when shorter), e.g. a header to check before reading on */
export function readInputFilePrefix(path: string, length: number): Buffer {
  const size = checkedSize(path);
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(length, size));
      const read = readSync(fd, buffer, 0, buffer.length, 0);
      return buffer.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new FileFormatError(path, `cannot be read (${describeSystemError(error)})`);
  }
}

function checkedSize(path: string): number {
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new FileFormatError(path, 'is not a regular file');
    size = stats.size;
  } catch (error) {
    if (error instanceof FileFormatError) throw error;
    throw new FileFormatError(path, `cannot be read (${describeSystemError(error)})`);
  }
  if (size > MAX_FILE_BYTES) throw new FileFormatError(path, `is ${size} bytes; files up to ${MAX_FILE_BYTES} bytes (2 GiB) can be read`);
  return size;
}

function describeSystemError(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = String((error).code);
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'EISDIR') return 'is a folder';
    return code;
  }
  return error instanceof Error ? error.message : String(error);
}

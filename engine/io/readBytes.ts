// Reads a whole input file, turning "no such file" and friends into a FileFormatError that names it.
import { readFileSync, statSync } from 'node:fs';
import { FileFormatError } from './fileFormatError';

/** Files larger than this are refused before reading (Node's readFileSync limit, 2 GiB - 1). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

export function readInputFile(path: string): Buffer {
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
  try {
    return readFileSync(path);
  } catch (error) {
    throw new FileFormatError(path, `cannot be read (${describeSystemError(error)})`);
  }
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

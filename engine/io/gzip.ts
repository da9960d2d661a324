// Gzip detection and bounded decompression: a small file cannot make us allocate gigabytes.
import { constants, gunzipSync } from 'node:zlib';
import { FileFormatError } from './fileFormatError';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompressed data above this many bytes is refused (the largest real IDX file, EMNIST, is ~700 MB). */
export const MAX_GUNZIP_BYTES = 2 * 1024 * 1024 * 1024 - 1;

export function gunzipBounded(bytes: Uint8Array, file: string, maxBytes = MAX_GUNZIP_BYTES): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    const code = error && typeof error === 'object' && 'code' in error ? String((error).code) : '';
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new FileFormatError(file, `decompresses to more than ${maxBytes} bytes`);
    throw new FileFormatError(file, `is not valid gzip data (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** What the first compressed bytes of a gzip stream inflate to (the stream need not end there). */
export function gunzipPrefix(bytes: Uint8Array, file: string): Buffer {
  try {
    return gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    throw new FileFormatError(file, `is not valid gzip data (${error instanceof Error ? error.message : String(error)})`);
  }
}

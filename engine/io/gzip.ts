// Gzip detection and bounded decompression: a small file cannot make us allocate gigabytes.
import { constants, crc32, gunzipSync } from 'node:zlib';
import { Gunzip } from 'fflate';
import { FileFormatError } from './fileFormatError';
import type { Stepwise } from '../util/stepwise';

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

/**
 * Compressed bytes inflated between two yields of gunzipSteps: deflate expands at most ~1032x, so a step makes
 * at most ~16 MB (a few milliseconds).
 */
export const GUNZIP_STEP_BYTES = 16 * 1024;

/**
 * gunzipBounded in steps, yielding after every GUNZIP_STEP_BYTES compressed bytes, so that a cancel or a status
 * request is served during a long inflation. Node's zlib has no synchronous streaming API (its sync calls
 * inflate a whole buffer at once), so this uses fflate's streaming inflater, and checks the gzip trailer's
 * CRC-32 and length itself (fflate does not). With `expectedBytes` (what a header declared, already checked
 * against the memory limit) the output is allocated once at that size, and more data is refused at once.
 */
export function* gunzipSteps(bytes: Uint8Array, file: string, maxBytes = MAX_GUNZIP_BYTES, expectedBytes?: number): Stepwise<Uint8Array> {
  const tooLarge = () => new FileFormatError(file, `decompresses to more than ${maxBytes} bytes`);
  const limit = Math.min(maxBytes, expectedBytes ?? maxBytes);
  const preallocated = expectedBytes !== undefined ? new Uint8Array(Math.min(expectedBytes, maxBytes)) : undefined;
  const parts: Uint8Array[] = [];
  let total = 0;
  let checksum = 0;
  let members = 1;
  const inflater = new Gunzip((chunk) => {
    if (total + chunk.length > limit) throw tooLarge();
    if (preallocated !== undefined) preallocated.set(chunk, total);
    else parts.push(chunk);
    total += chunk.length;
    checksum = crc32(chunk, checksum);
  });
  inflater.onmember = () => (members += 1);
  if (bytes.length === 0) throw new FileFormatError(file, 'is not valid gzip data (the file is empty)');
  for (let start = 0; start < bytes.length; start += GUNZIP_STEP_BYTES) {
    const end = Math.min(bytes.length, start + GUNZIP_STEP_BYTES);
    try {
      inflater.push(bytes.subarray(start, end), end === bytes.length);
    } catch (error) {
      if (error instanceof FileFormatError) throw error;
      throw new FileFormatError(file, `is not valid gzip data (${error instanceof Error ? error.message : String(error)})`);
    }
    yield;
  }
  // several members each end with their own trailer; only a single member's is checked here
  if (members === 1) checkTrailer(bytes, file, checksum, total);
  if (preallocated !== undefined) return total === preallocated.length ? preallocated : preallocated.subarray(0, total);
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** the gzip trailer: CRC-32 and length (mod 2^32) of the inflated data, little-endian */
function checkTrailer(bytes: Uint8Array, file: string, checksum: number, length: number): void {
  if (bytes.length < 18) throw new FileFormatError(file, 'is not valid gzip data (too short for a gzip trailer)');
  const view = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
  if (view.getUint32(0, true) !== checksum >>> 0) throw new FileFormatError(file, 'is not valid gzip data (CRC-32 mismatch: the file is corrupt)');
  if (view.getUint32(4, true) !== length % 2 ** 32) throw new FileFormatError(file, 'is not valid gzip data (the trailer\'s length does not match: the file is corrupt)');
}

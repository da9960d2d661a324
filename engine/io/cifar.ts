// CIFAR-10 and CIFAR-100 binary batches: fixed-size records of label byte(s) then 3072 pixel bytes,
// as three 32x32 planes (red, green, blue; CHW). CIFAR-10: <label>; CIFAR-100: <coarse label><fine label>.
import { FileFormatError, displayName } from './fileFormatError';
import { readInputFile } from './readBytes';

export type CifarKind = 'cifar10' | 'cifar100';

export const CIFAR_SIDE = 32;
const PIXELS = CIFAR_SIDE * CIFAR_SIDE;
const IMAGE_BYTES = 3 * PIXELS;

export interface CifarBatch {
  count: number;
  /** NHWC, uint8 */
  images: Uint8Array;
  /** CIFAR-10 labels 0-9, or CIFAR-100 fine labels 0-99 */
  labels: Int32Array;
  /** CIFAR-100 only: the 20 superclasses */
  coarseLabels?: Int32Array;
}

export function cifarRecordBytes(kind: CifarKind): number {
  return (kind === 'cifar10' ? 1 : 2) + IMAGE_BYTES;
}

export function readCifar(path: string, kind: CifarKind): CifarBatch {
  return parseCifar(readInputFile(path), kind, path);
}

export function parseCifar(bytes: Uint8Array, kind: CifarKind, file?: string): CifarBatch {
  const name = displayName(file);
  const recordBytes = cifarRecordBytes(kind);
  const labelBytes = recordBytes - IMAGE_BYTES;
  if (bytes.byteLength === 0) throw new FileFormatError(name, 'is empty');
  if (bytes.byteLength % recordBytes !== 0) {
    const other: CifarKind = kind === 'cifar10' ? 'cifar100' : 'cifar10';
    const hint = bytes.byteLength % cifarRecordBytes(other) === 0 ? ` (it would fit ${other} records)` : ' (truncated?)';
    throw new FileFormatError(name, `is ${bytes.byteLength} bytes, not a whole number of ${kind} records of ${recordBytes} bytes${hint}`);
  }
  const count = bytes.byteLength / recordBytes;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  const coarseLabels = kind === 'cifar100' ? new Int32Array(count) : undefined;
  const fineLimit = kind === 'cifar10' ? 10 : 100;
  for (let n = 0; n < count; n++) {
    const record = n * recordBytes;
    const fine = bytes[record + labelBytes - 1];
    if (fine >= fineLimit) throw new FileFormatError(name, `record ${n} has label ${fine}, outside 0-${fineLimit - 1} for ${kind}`);
    labels[n] = fine;
    if (coarseLabels) {
      const coarse = bytes[record];
      if (coarse >= 20) throw new FileFormatError(name, `record ${n} has coarse label ${coarse}, outside 0-19 for cifar100`);
      coarseLabels[n] = coarse;
    }
    const planes = record + labelBytes;
    const out = n * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      images[out + 3 * p] = bytes[planes + p];
      images[out + 3 * p + 1] = bytes[planes + PIXELS + p];
      images[out + 3 * p + 2] = bytes[planes + 2 * PIXELS + p];
    }
  }
  return coarseLabels ? { count, images, labels, coarseLabels } : { count, images, labels };
}

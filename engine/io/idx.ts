// The IDX format of MNIST and Fashion-MNIST: magic 0x00 0x00 <type> <rank>, then rank big-endian
// uint32 dimensions, then big-endian data. Files may be gzipped (detected by the gzip magic bytes).
import { FileFormatError, displayName } from './fileFormatError';
import { gunzipPrefix, gunzipSteps, isGzip, MAX_GUNZIP_BYTES } from './gzip';
import { runToEnd, type Stepwise } from '../util/stepwise';
import { readInputFile } from './readBytes';
import { boundedProduct, copyElements } from './typedArrays';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

const TYPE_CODES: Partial<Record<number, { dtype: IdxDtype; bytes: number }>> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

/** What an IDX header declares, read before the data is inflated or copied. */
export interface IdxHeader {
  dtype: IdxDtype;
  bytesPerElement: number;
  shape: number[];
  /** elements declared, or -1 when the product is too large to count */
  count: number;
  dataStart: number;
}

/** sees the declared size before anything of that size is allocated (e.g. to check the memory limit) */
export type BeforeIdxData = (header: IdxHeader) => void;

export function readIdx(path: string, beforeData?: BeforeIdxData): IdxArray {
  return runToEnd(readIdxSteps(path, beforeData));
}

/** readIdx, yielding while a gzipped file inflates (engine/io/gzip.ts gunzipSteps) */
export function* readIdxSteps(path: string, beforeData?: BeforeIdxData): Stepwise<IdxArray> {
  return yield* parseIdxFileSteps(readInputFile(path), path, undefined, beforeData);
}

/**
 * The compressed bytes read to find a gzipped file's header: deflate expands at most ~1032x, so their
 * inflation stays within a few MB whatever the file declares.
 */
const GZIP_HEADER_PEEK_BYTES = 4096;

/** Plain or gzipped IDX bytes; a gzipped file is inflated only up to the size its header declares. */
export function parseIdxFile(bytes: Uint8Array, file?: string, maxGunzipBytes = MAX_GUNZIP_BYTES, beforeData?: BeforeIdxData): IdxArray {
  return runToEnd(parseIdxFileSteps(bytes, file, maxGunzipBytes, beforeData));
}

/** parseIdxFile, yielding between the chunks a gzipped file inflates in */
export function* parseIdxFileSteps(bytes: Uint8Array, file?: string, maxGunzipBytes = MAX_GUNZIP_BYTES, beforeData?: BeforeIdxData): Stepwise<IdxArray> {
  const name = displayName(file);
  if (!isGzip(bytes)) {
    beforeData?.(parseIdxHeader(bytes, name));
    return parseIdx(bytes, name);
  }
  let header: IdxHeader;
  try {
    header = parseIdxHeader(gunzipPrefix(bytes.subarray(0, GZIP_HEADER_PEEK_BYTES), name), name);
  } catch {
    // not a header the first bytes can show (corrupt gzip, a short file): inflate it all, bounded, and say why
    const plain = yield* gunzipSteps(bytes, name, maxGunzipBytes);
    beforeData?.(parseIdxHeader(plain, name));
    return parseIdx(plain, name);
  }
  beforeData?.(header);
  // inflating past the declared size only ever ends in "extra bytes": one byte more is enough to say so
  const declared = header.count < 0 ? Infinity : header.dataStart + header.count * header.bytesPerElement + 1;
  if (declared >= maxGunzipBytes) return parseIdx(yield* gunzipSteps(bytes, name, maxGunzipBytes), name);
  let plain: Uint8Array;
  try {
    // allocated once at the declared size (checked by beforeData) plus the one byte that tells of extra data
    plain = yield* gunzipSteps(bytes, name, declared, declared);
  } catch (error) {
    if (!(error instanceof FileFormatError) || !error.problem.startsWith('decompresses to more than')) throw error;
    throw new FileFormatError(name, `holds more data than its header declares (shape [${header.shape.join(', ')}] of ${header.dtype}, ${declared - 1 - header.dataStart} bytes)`);
  }
  return parseIdx(plain, name);
}

/** magic, type and dimensions; the data is not looked at */
export function parseIdxHeader(bytes: Uint8Array, file?: string): IdxHeader {
  const name = displayName(file);
  const fail: (problem: string) => never = (problem) => {
    throw new FileFormatError(name, problem);
  };
  if (bytes.byteLength < 4) fail(`is too short for an IDX file (${bytes.byteLength} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`is not an IDX file (magic bytes ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00)`);
  }
  const type = TYPE_CODES[bytes[2]];
  if (type === undefined) fail(`has IDX type code ${hex(bytes[2])}; known codes are 0x08 (uint8), 0x09, 0x0B, 0x0C, 0x0D, 0x0E`);
  const rank = bytes[3];
  if (rank === 0) fail('declares rank 0 (an IDX file has at least one dimension)');
  const dataStart = 4 + 4 * rank;
  if (bytes.byteLength < dataStart) fail(`declares ${rank} dimensions but ends inside them (truncated)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = boundedProduct(shape, Number.MAX_SAFE_INTEGER / 8);
  return { dtype: type.dtype, bytesPerElement: type.bytes, shape, count, dataStart };
}

export function parseIdx(bytes: Uint8Array, file?: string): IdxArray {
  const name = displayName(file);
  const fail = (problem: string): never => {
    throw new FileFormatError(name, problem);
  };
  const { dtype, bytesPerElement, shape, count, dataStart } = parseIdxHeader(bytes, name);
  const dataBytes = bytes.byteLength - dataStart;
  const needed = count < 0 ? Infinity : count * bytesPerElement;
  if (needed > dataBytes) {
    fail(`declares shape [${shape.join(', ')}] of ${dtype} (${count < 0 ? 'more than the file' : `${needed} bytes`}) but holds only ${dataBytes} bytes of data (truncated)`);
  }
  if (needed < dataBytes) fail(`declares shape [${shape.join(', ')}] of ${dtype} (${needed} bytes) but holds ${dataBytes} bytes of data (${dataBytes - needed} extra)`);
  return { dtype, shape, data: readData(dtype, bytes, dataStart, count) };
}

function readData(dtype: IdxDtype, bytes: Uint8Array, offset: number, count: number): IdxData {
  switch (dtype) {
    case 'uint8': return copyElements(Uint8Array, bytes, offset, count);
    case 'int8': return copyElements(Int8Array, bytes, offset, count);
    case 'int16': return copyElements(Int16Array, bytes, offset, count, false);
    case 'int32': return copyElements(Int32Array, bytes, offset, count, false);
    case 'float32': return copyElements(Float32Array, bytes, offset, count, false);
    case 'float64': return copyElements(Float64Array, bytes, offset, count, false);
  }
}

function hex(byte: number | undefined): string {
  return `0x${(byte ?? 0).toString(16).padStart(2, '0').toUpperCase()}`;
}

/** An IDX file's bytes (uint8 only: what MNIST-style images and labels use); for tests and tools. */
export function encodeIdxUint8(shape: readonly number[], data: Uint8Array): Buffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`shape [${shape.join(', ')}] holds ${count} values but the data has ${data.length}`);
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = 0x08;
  head[3] = shape.length;
  shape.forEach((dim, i) => head.writeUInt32BE(dim, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

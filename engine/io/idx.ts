// The IDX format of MNIST and Fashion-MNIST: magic 0x00 0x00 <type> <rank>, then rank big-endian
// uint32 dimensions, then big-endian data. Files may be gzipped (detected by the gzip magic bytes).
import { FileFormatError, displayName } from './fileFormatError';
import { gunzipBounded, isGzip } from './gzip';
import { readInputFile } from './readBytes';
import { boundedProduct, copyElements } from './typedArrays';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

const TYPE_CODES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

export function readIdx(path: string): IdxArray {
  return parseIdxFile(readInputFile(path), path);
}

/** Plain or gzipped IDX bytes. */
export function parseIdxFile(bytes: Uint8Array, file?: string, maxGunzipBytes?: number): IdxArray {
  const name = displayName(file);
  const plain = isGzip(bytes) ? gunzipBounded(bytes, name, maxGunzipBytes) : bytes;
  return parseIdx(plain, name);
}

export function parseIdx(bytes: Uint8Array, file?: string): IdxArray {
  const name = displayName(file);
  // declared with its type, so that TypeScript narrows after a call to it
  const fail: (problem: string) => never = (problem) => {
    throw new FileFormatError(name, problem);
  };
  if (bytes.byteLength < 4) fail(`is too short for an IDX file (${bytes.byteLength} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`is not an IDX file (magic bytes ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00)`);
  }
  const type = TYPE_CODES[bytes[2]] as (typeof TYPE_CODES)[number] | undefined;
  if (type === undefined) fail(`has IDX type code ${hex(bytes[2])}; known codes are 0x08 (uint8), 0x09, 0x0B, 0x0C, 0x0D, 0x0E`);
  const rank = bytes[3];
  if (rank === 0) fail('declares rank 0 (an IDX file has at least one dimension)');
  const dataStart = 4 + 4 * rank;
  if (bytes.byteLength < dataStart) fail(`declares ${rank} dimensions but ends inside them (truncated)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const dataBytes = bytes.byteLength - dataStart;
  const count = boundedProduct(shape, Number.MAX_SAFE_INTEGER / 8);
  const needed = count < 0 ? Infinity : count * type.bytes;
  if (needed > dataBytes) {
    fail(`declares shape [${shape.join(', ')}] of ${type.dtype} (${count < 0 ? 'more than the file' : `${needed} bytes`}) but holds only ${dataBytes} bytes of data (truncated)`);
  }
  if (needed < dataBytes) fail(`declares shape [${shape.join(', ')}] of ${type.dtype} (${needed} bytes) but holds ${dataBytes} bytes of data (${dataBytes - needed} extra)`);
  return { dtype: type.dtype, shape, data: readData(type.dtype, bytes, dataStart, count) };
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

// NumPy's .npy format, versions 1.0, 2.0 and 3.0: "\x93NUMPY", major, minor, a header length
// (2 bytes little-endian in 1.0, 4 bytes in 2.0/3.0), a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces to a multiple of 64, then data.
import { writeFileAtomic, writeFileAtomicSync } from './atomicWrite';
import { FileFormatError, displayName } from './fileFormatError';
import { readInputFile, readInputFilePrefix } from './readBytes';
import { boundedProduct, copyElements, littleEndianBytes } from './typedArrays';

export type NpyDtype = 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';
export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array | BigInt64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

/** numpy itself refuses headers longer than 10000 bytes by default; we accept up to 1 MiB. */
export const MAX_NPY_HEADER_BYTES = 1024 * 1024;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

const DESCR_TO_DTYPE: Partial<Record<string, NpyDtype>> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '<i4': 'int32',
  '<i8': 'int64',
};
const DTYPE_TO_DESCR: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', uint8: '|u1', int32: '<i4', int64: '<i8' };
const DTYPE_BYTES: Record<NpyDtype, number> = { float32: 4, float64: 8, uint8: 1, int32: 4, int64: 8 };

/** What a .npy header declares, read before the data. */
export interface NpyDeclared {
  dtype: NpyDtype;
  bytesPerElement: number;
  shape: number[];
  /** elements declared, or -1 when the product is too large to count */
  count: number;
  dataStart: number;
}

/** sees the declared size before the file's data is read (e.g. to check the memory limit) */
export type BeforeNpyData = (declared: NpyDeclared) => void;

/** the header alone (dtype, shape), without reading the data */
export function readNpyHeader(path: string): NpyDeclared {
  return parseNpyHeader(readInputFilePrefix(path, 12 + MAX_NPY_HEADER_BYTES), path);
}

export function readNpy(path: string, beforeData?: BeforeNpyData): NpyArray {
  if (beforeData !== undefined) beforeData(parseNpyHeader(readInputFilePrefix(path, 12 + MAX_NPY_HEADER_BYTES), path));
  return parseNpy(readInputFile(path), path);
}

export function parseNpy(bytes: Uint8Array, file?: string): NpyArray {
  const name = displayName(file);
  const fail = (problem: string): never => {
    throw new FileFormatError(name, problem);
  };
  const { dtype, bytesPerElement, shape, dataStart } = parseNpyHeader(bytes, name);
  const dataBytes = bytes.byteLength - dataStart;
  const count = boundedProduct(shape, dataBytes);
  if (count < 0 || count * bytesPerElement > dataBytes) {
    fail(`shape (${shape.join(', ')}) of ${dtype} needs more data than the ${dataBytes} bytes in the file (truncated)`);
  }
  if (count * bytesPerElement !== dataBytes) fail(`shape (${shape.join(', ')}) of ${dtype} needs ${count * bytesPerElement} bytes but the file holds ${dataBytes} after the header`);
  const data = readData(dtype, bytes, dataStart, count);
  return { dtype, shape, data };
}

/** magic, version and header dict (the bytes may end after the header) */
function parseNpyHeader(bytes: Uint8Array, file: string): NpyDeclared {
  const name = displayName(file);
  const fail: (problem: string) => never = (problem) => {
    throw new FileFormatError(name, problem);
  };
  if (bytes.byteLength < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail('is not a .npy file (wrong magic bytes; expected "\\x93NUMPY")');
  const major = bytes[6];
  const minor = bytes[7];
  if (![1, 2, 3].includes(major) || minor !== 0) fail(`has .npy version ${major}.${minor}; this reader knows 1.0, 2.0 and 3.0`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.byteLength < 8 + lengthBytes) fail('is truncated inside the header length');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  if (headerLength > MAX_NPY_HEADER_BYTES) fail(`declares a ${headerLength}-byte header, more than the ${MAX_NPY_HEADER_BYTES}-byte limit`);
  if (headerStart + headerLength > bytes.byteLength) fail(`declares a ${headerLength}-byte header but the file ends after ${bytes.byteLength - headerStart} (truncated)`);
  let headerText: string;
  try {
    const encoding = major === 3 ? 'utf-8' : 'latin1';
    headerText = new TextDecoder(encoding, { fatal: true }).decode(bytes.subarray(headerStart, headerStart + headerLength));
  } catch {
    fail('header is not valid text');
  }
  const header = parseHeaderDict(headerText, fail);
  const descr = header.descr;
  if (descr.length > 0 && descr.startsWith('>')) fail(`holds big-endian data (descr '${descr}'); save it little-endian, e.g. array.astype('<${descr.slice(1)}')`);
  if (descr.includes('O')) fail(`holds an object array (descr '${descr}'); only numeric arrays can be read`);
  const dtype = DESCR_TO_DTYPE[descr] ?? DESCR_TO_DTYPE[descr.replace(/^=/, '<')];
  if (dtype === undefined) fail(`has dtype '${descr}'; this reader accepts <f4, <f8, |u1, <i4 and <i8`);
  if (header.fortranOrder) fail('is in Fortran (column-major) order; save it in C order, e.g. numpy.ascontiguousarray(array)');
  const count = boundedProduct(header.shape, Number.MAX_SAFE_INTEGER / 8);
  return { dtype: dtype, bytesPerElement: DTYPE_BYTES[dtype], shape: header.shape, count, dataStart: headerStart + headerLength };
}

function readData(dtype: NpyDtype, bytes: Uint8Array, offset: number, count: number): NpyData {
  switch (dtype) {
    case 'float32': return copyElements(Float32Array, bytes, offset, count);
    case 'float64': return copyElements(Float64Array, bytes, offset, count);
    case 'uint8': return copyElements(Uint8Array, bytes, offset, count);
    case 'int32': return copyElements(Int32Array, bytes, offset, count);
    case 'int64': return copyElements(BigInt64Array, bytes, offset, count);
  }
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** A strict parser for the dict literal numpy writes: string keys; values a string, True/False or a tuple of ints. */
function parseHeaderDict(text: string, fail: (problem: string) => never): NpyHeader {
  let pos = 0;
  const bad: (what: string) => never = (what) => fail(`header ${JSON.stringify(text.slice(0, 200))} is not a valid .npy header (${what} at character ${pos})`);
  const skipSpace = (): void => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos])) pos++;
  };
  const expect = (char: string): void => {
    skipSpace();
    if (text[pos] !== char) bad(`expected '${char}'`);
    pos++;
  };
  const readString = (): string => {
    skipSpace();
    const quote = text[pos];
    if (quote !== "'" && quote !== '"') bad('expected a string');
    const end = text.indexOf(quote, pos + 1);
    if (end < 0) bad('unterminated string');
    const value = text.slice(pos + 1, end);
    pos = end + 1;
    return value;
  };
  const readValue = (): string | boolean | number[] => {
    skipSpace();
    const char = text[pos];
    if (char === "'" || char === '"') return readString();
    if (text.startsWith('True', pos)) { pos += 4; return true; }
    if (text.startsWith('False', pos)) { pos += 5; return false; }
    if (char === '(') {
      pos++;
      const dims: number[] = [];
      for (;;) {
        skipSpace();
        if (text[pos] === ')') { pos++; return dims; }
        const match = /^\d{1,16}L?/.exec(text.slice(pos, pos + 20));
        if (!match) bad('expected a dimension');
        const dim = Number(match[0].replace('L', ''));
        if (!Number.isSafeInteger(dim)) bad('dimension too large');
        dims.push(dim);
        pos += match[0].length;
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== ')') bad("expected ',' or ')'");
      }
    }
    if (char === '[') bad('structured dtypes are not supported');
    return bad('unexpected value');
  };
  const values = new Map<string, string | boolean | number[]>();
  expect('{');
  for (;;) {
    skipSpace();
    if (text[pos] === '}') { pos++; break; }
    const key = readString();
    expect(':');
    values.set(key, readValue());
    skipSpace();
    if (text[pos] === ',') pos++;
    else if (text[pos] !== '}') bad("expected ',' or '}'");
  }
  if (text.slice(pos).trim() !== '') bad('trailing characters');
  const descr = values.get('descr');
  const fortranOrder = values.get('fortran_order');
  const shape = values.get('shape');
  if (typeof descr !== 'string') fail("header has no 'descr' string (or a structured dtype, which is not supported)");
  if (typeof fortranOrder !== 'boolean') fail("header has no 'fortran_order' True/False");
  if (!Array.isArray(shape)) fail("header has no 'shape' tuple");
  return { descr: descr, fortranOrder: fortranOrder, shape: shape };
}

function dtypeOfData(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

/** The file's bytes as [preamble+header, data]; version 1.0 unless the header needs 2.0, or as asked. */
export function encodeNpy(array: { shape: readonly number[]; data: NpyData }, version: 1 | 2 | 3 = 1): Uint8Array[] {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) throw new Error(`shape (${array.shape.join(', ')}) holds ${count} values but the data has ${array.data.length}`);
  const shapeText = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dict = `{'descr': '${DTYPE_TO_DESCR[dtypeOfData(array.data)]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let chosen: 1 | 2 | 3 = version;
  if (chosen === 1 && dict.length + 1 + 10 > 65535) chosen = 2;
  const preamble = chosen === 1 ? 10 : 12;
  const padding = (64 - ((preamble + dict.length + 1) % 64)) % 64;
  const headerText = dict + ' '.repeat(padding) + '\n';
  const head = Buffer.alloc(preamble + headerText.length);
  Buffer.from(MAGIC).copy(head, 0);
  head[6] = chosen;
  head[7] = 0;
  if (chosen === 1) head.writeUInt16LE(headerText.length, 8);
  else head.writeUInt32LE(headerText.length, 8);
  head.write(headerText, preamble, 'latin1');
  return [head, littleEndianBytes(array.data)];
}

export function encodeNpyToBuffer(array: { shape: readonly number[]; data: NpyData }, version: 1 | 2 | 3 = 1): Buffer {
  return Buffer.concat(encodeNpy(array, version));
}

/** Writes atomically (temporary file, fsync, rename). */
export function writeNpySync(path: string, array: { shape: readonly number[]; data: NpyData }, version: 1 | 2 | 3 = 1): void {
  writeFileAtomicSync(path, encodeNpy(array, version));
}

export async function writeNpy(path: string, array: { shape: readonly number[]; data: NpyData }, version: 1 | 2 | 3 = 1): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array, version));
}

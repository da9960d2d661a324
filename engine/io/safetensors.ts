// The safetensors format: an 8-byte little-endian header length, a JSON header
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}), then raw data.
// Offsets are relative to the start of the data and must tile it exactly (ordered, no gap, no overlap).
import { writeFileAtomic, writeFileAtomicSync } from './atomicWrite';
import { FileFormatError, displayName } from './fileFormatError';
import { readInputFile } from './readBytes';
import { bfloat16ToFloat32, boundedProduct, copyElements, halfToFloat32, littleEndianBytes, type NumericArray } from './typedArrays';

/** The safetensors reference implementation refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export type SafetensorsDtype = 'F32' | 'F64' | 'F16' | 'BF16' | 'U8' | 'I8' | 'I16' | 'I32' | 'I64';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, U8: 1, I8: 1, I16: 2, I32: 4, I64: 8 };

export interface Tensor {
  /** the dtype as stored in the file; F16 and BF16 are converted to float32 data */
  dtype: SafetensorsDtype;
  shape: number[];
  data: NumericArray;
}

export interface SafetensorsFile {
  /** in the order of their data in the file */
  tensors: Map<string, Tensor>;
  /** read from JSON: a key the file does not have is undefined */
  metadata: Partial<Record<string, string>>;
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readInputFile(path), path);
}

export function parseSafetensors(bytes: Uint8Array, file?: string): SafetensorsFile {
  const name = displayName(file);
  const fail = (problem: string): never => {
    throw new FileFormatError(name, problem);
  };
  const pytorch = pytorchPickleKind(bytes);
  if (pytorch !== undefined) {
    fail(
      `is a PyTorch ${pytorch}, not safetensors. This project never unpickles files (unpickling can run code). ` +
        'Write the state_dict as safetensors with tools/export_pytorch_revnet.py (needs only torch), see docs/pytorch-import.md',
    );
  }
  if (bytes.byteLength < 8) fail(`too short for a safetensors file (${bytes.byteLength} bytes; the header length alone takes 8)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    fail(`declares a ${headerLength}-byte header but the file has only ${bytes.byteLength - 8} bytes after the length (truncated or not safetensors)`);
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`declares a ${headerLength}-byte header, more than the ${MAX_HEADER_BYTES}-byte limit`);
  const headerBytes = Number(headerLength);
  if (headerBytes < 2) fail('has an empty header (expected a JSON object)');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes)));
  } catch (error) {
    fail(`header is not valid UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerBytes;
  const dataLength = bytes.byteLength - dataStart;
  const { entries, metadata } = parseHeader(header as Record<string, unknown>, dataLength, fail);

  const tensors = new Map<string, Tensor>();
  for (const entry of entries) {
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data: readData(entry, bytes, dataStart) });
  }
  return { tensors, metadata };
}

/**
 * torch.save's zip archive ("PK\x03\x04") or its legacy pickle (protocols 2 to 5 start with 0x80, then the protocol).
 * Those first bytes could also be a safetensors header length, but a safetensors header then starts with "{" at byte 8.
 */
function pytorchPickleKind(bytes: Uint8Array): string | undefined {
  if (bytes[8] === 0x7b) return undefined;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'torch.save file (a zip archive with a pickle inside, .pt/.pth)';
  const protocol = bytes.at(1);
  if (bytes[0] === 0x80 && protocol !== undefined && protocol >= 2 && protocol <= 5) return `pickle (protocol ${protocol}, a legacy torch.save .pt/.pth file)`;
  return undefined;
}

function parseHeader(
  header: Record<string, unknown>,
  dataLength: number,
  fail: (problem: string) => never,
): { entries: HeaderEntry[]; metadata: Record<string, string> } {
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ is not an object of strings');
      for (const [metaKey, metaValue] of Object.entries(value as Record<string, unknown>)) {
        if (typeof metaValue !== 'string') fail(`__metadata__["${metaKey}"] is not a string`);
        Object.defineProperty(metadata, metaKey, { value: metaValue, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    entries.push(parseEntry(key, value, dataLength, fail));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  for (const entry of entries) {
    if (entry.begin < expectedBegin) fail(`tensor "${entry.name}" overlaps the previous tensor (data_offsets start at ${entry.begin}, previous ends at ${expectedBegin})`);
    if (entry.begin > expectedBegin) fail(`tensor "${entry.name}" leaves a gap in the data (starts at ${entry.begin}, previous ends at ${expectedBegin})`);
    expectedBegin = entry.end;
  }
  if (expectedBegin !== dataLength) {
    fail(`the tensors cover ${expectedBegin} bytes of data but the file holds ${dataLength} bytes after the header`);
  }
  return { entries, metadata };
}

function parseEntry(name: string, value: unknown, dataLength: number, fail: (problem: string) => never): HeaderEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`tensor "${name}" is not an object with dtype, shape and data_offsets`);
  const record = value as Record<string, unknown>;
  const dtype = record['dtype'];
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    fail(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; this reader accepts ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  const shape = record['shape'];
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    fail(`tensor "${name}" has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
  }
  const offsets = record['data_offsets'];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; expected [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`tensor "${name}" has data_offsets [${begin}, ${end}] that end before they begin`);
  if (end > dataLength) fail(`tensor "${name}" has data_offsets [${begin}, ${end}] beyond the ${dataLength} bytes of data (truncated file?)`);
  const itemBytes = DTYPE_BYTES[dtype as SafetensorsDtype];
  const count = boundedProduct(shape as number[], dataLength);
  if (count < 0 || count * itemBytes !== end - begin) {
    fail(`tensor "${name}" has shape [${(shape as number[]).join(', ')}] of ${dtype} but data_offsets span ${end - begin} bytes`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end };
}

function readData(entry: HeaderEntry, bytes: Uint8Array, dataStart: number): NumericArray {
  const offset = dataStart + entry.begin;
  const count = (entry.end - entry.begin) / DTYPE_BYTES[entry.dtype];
  switch (entry.dtype) {
    case 'F32': return copyElements(Float32Array, bytes, offset, count);
    case 'F64': return copyElements(Float64Array, bytes, offset, count);
    case 'F16': return halfToFloat32(copyElements(Uint16Array, bytes, offset, count));
    case 'BF16': return bfloat16ToFloat32(copyElements(Uint16Array, bytes, offset, count));
    case 'U8': return copyElements(Uint8Array, bytes, offset, count);
    case 'I8': return copyElements(Int8Array, bytes, offset, count);
    case 'I16': return copyElements(Int16Array, bytes, offset, count);
    case 'I32': return copyElements(Int32Array, bytes, offset, count);
    case 'I64': return copyElements(BigInt64Array, bytes, offset, count);
  }
}

/** A tensor to write; float32 unless the array says otherwise. */
export interface TensorToWrite {
  shape: readonly number[];
  data: Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;
}

function dtypeOf(data: TensorToWrite['data']): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Uint8Array) return 'U8';
  return 'I64';
}

/**
 * The file's bytes as pieces (header, then each tensor's data), tensors in sorted name order so the
 * same weights always give the same file. The header is padded with spaces to a multiple of 8 bytes.
 */
export function encodeSafetensors(
  tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const names = [...map.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    const sortedMetadata: Record<string, string> = {};
    for (const key of Object.keys(metadata).sort()) sortedMetadata[key] = metadata[key];
    header['__metadata__'] = sortedMetadata;
  }
  let offset = 0;
  const pieces: Uint8Array[] = [];
  for (const name of names) {
    if (name === '__metadata__') throw new Error('a tensor cannot be named __metadata__');
    const tensor = map.get(name);
    if (tensor === undefined) continue; // names come from the map's own keys
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) {
      throw new Error(`tensor "${name}": shape [${tensor.shape.join(', ')}] holds ${count} values but the data has ${tensor.data.length}`);
    }
    const bytes = littleEndianBytes(tensor.data);
    header[name] = { dtype: dtypeOf(tensor.data), shape: [...tensor.shape], data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
    pieces.push(bytes);
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - ((8 + jsonBytes) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  return [prefix, headerBytes, ...pieces];
}

export function encodeSafetensorsToBuffer(
  tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Buffer {
  return Buffer.concat(encodeSafetensors(tensors, metadata));
}

/** Writes atomically (temporary file, fsync, rename). */
export function writeSafetensorsSync(
  path: string,
  tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomicSync(path, encodeSafetensors(tensors, metadata));
}

export async function writeSafetensors(
  path: string,
  tensors: Map<string, TensorToWrite> | Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

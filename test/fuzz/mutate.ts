// Seeded mutations of a file's bytes: generic ones (bit flips, inserts, deletes, truncation, splices)
// and ones aimed at the formats (huge declared sizes, other dtypes, NaN/Inf values, JSON edits, deep nesting).
import { gunzipSync, gzipSync } from 'node:zlib';
import type { SeededRandom } from '../../engine/util/random';

export type Mutator = (input: Buffer, random: SeededRandom) => Buffer;

const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function at(input: Buffer, random: SeededRandom): number {
  return input.length === 0 ? 0 : random.int(input.length);
}

const bitFlips: Mutator = (input, random) => {
  const out = Buffer.from(input);
  if (out.length === 0) return out;
  const flips = 1 + random.int(8);
  for (let i = 0; i < flips; i++) {
    const pos = at(out, random);
    out[pos] ^= 1 << random.int(8);
  }
  return out;
};

const interestingByte: Mutator = (input, random) => {
  const out = Buffer.from(input);
  if (out.length > 0) out[at(out, random)] = [0, 1, 0x7f, 0x80, 0xff][random.int(5)];
  return out;
};

const insertBytes: Mutator = (input, random) => {
  const pos = at(input, random);
  const extra = Buffer.alloc(1 + random.int(random.next() < 0.1 ? 4096 : 16));
  for (let i = 0; i < extra.length; i++) extra[i] = random.int(256);
  return Buffer.concat([input.subarray(0, pos), extra, input.subarray(pos)]);
};

const deleteBytes: Mutator = (input, random) => {
  const pos = at(input, random);
  const count = 1 + random.int(Math.max(1, Math.min(64, input.length - pos)));
  return Buffer.concat([input.subarray(0, pos), input.subarray(pos + count)]);
};

const truncate: Mutator = (input, random) => input.subarray(0, random.int(input.length + 1));

const duplicateChunk: Mutator = (input, random) => {
  const start = at(input, random);
  const end = Math.min(input.length, start + 1 + random.int(256));
  const pos = at(input, random);
  return Buffer.concat([input.subarray(0, pos), input.subarray(start, end), input.subarray(pos)]);
};

/** overwrite 4 or 8 bytes, in either byte order, with a number that declares a huge (or odd) size */
const hugeNumber: Mutator = (input, random) => {
  const out = Buffer.from(input);
  const wide = random.next() < 0.4;
  const size = wide ? 8 : 4;
  if (out.length < size) return out;
  // favour the first 64 bytes, where the formats keep their lengths and dimensions
  const pos = random.next() < 0.7 ? random.int(Math.min(64, out.length - size + 1)) : random.int(out.length - size + 1);
  const value = INTERESTING_U32[random.int(INTERESTING_U32.length)];
  const littleEndian = random.next() < 0.5;
  if (wide) {
    const big = random.next() < 0.5 ? (BigInt(value) << 32n) | BigInt(value) : BigInt(value);
    if (littleEndian) out.writeBigUInt64LE(big, pos);
    else out.writeBigUInt64BE(big, pos);
  } else if (littleEndian) out.writeUInt32LE(value, pos);
  else out.writeUInt32BE(value, pos);
  return out;
};

/** NaN, infinities, -0, denormals written over data (float32 or float64, either byte order) */
const specialFloats: Mutator = (input, random) => {
  const out = Buffer.from(input);
  const values = [Number.NaN, Infinity, -Infinity, -0, 5e-324, 1.4e-45, 3.4e38, Number.MAX_VALUE];
  const count = 1 + random.int(4);
  for (let i = 0; i < count; i++) {
    const double = random.next() < 0.5;
    const size = double ? 8 : 4;
    if (out.length < size) break;
    const pos = out.length - size - random.int(Math.max(1, Math.floor(out.length / 2)));
    if (pos < 0) continue;
    const value = values[random.int(values.length)];
    if (double) {
      if (random.next() < 0.5) out.writeDoubleLE(value, pos);
      else out.writeDoubleBE(value, pos);
    } else if (random.next() < 0.5) out.writeFloatLE(value, pos);
    else out.writeFloatBE(value, pos);
  }
  return out;
};

const TEXT_SWAPS: [RegExp, string[]][] = [
  [/"F32"|"F64"|"U8"|"I32"|"I64"|"F16"|"BF16"/g, ['"F16"', '"BF16"', '"C64"', '"BOOL"', '"F8_E4M3"', '"I8"', '"I16"', '"U64"', '"f32"', '""', 'null', '7']],
  [/'<f4'|'<f8'|'\|u1'|'<i4'|'<i8'/g, ["'>f4'", "'|O'", "'<f2'", "'<c8'", "'|b1'", "'<U3'", "'=f4'", "'>i8'", "'|V4'", "[('a', '<f4')]", "''"]],
  [/False/g, ['True', 'None', '0', 'Fals']],
  [/\d+/g, ['0', '-1', '4294967296', '18446744073709551616', '9007199254740993', '1e308', '1e309', 'NaN', '-0', '0.5', '99999999999999999999999', '1' + '0'.repeat(400)]],
  [/\[/g, ['[[', '{', '[' + '1,'.repeat(1000)]],
  [/"[a-z_]+"/g, ['"__proto__"', '"constructor"', '"__metadata__"', '"data_offsets"', '""', '"stages"']],
];

/** an edit of the text in the file: a dtype, a number, a keyword or a key replaced by an odd one */
const textSwap: Mutator = (input, random) => {
  const text = input.toString('latin1');
  const [pattern, replacements] = TEXT_SWAPS[random.int(TEXT_SWAPS.length)];
  const matches = [...text.matchAll(pattern)];
  if (matches.length === 0) return bitFlips(input, random);
  const match = matches[random.int(matches.length)];
  const replacement = replacements[random.int(replacements.length)];
  const edited = text.slice(0, match.index) + replacement + text.slice(match.index + match[0].length);
  return fixLengthPrefix(input, Buffer.from(edited, 'latin1'), random);
};

/**
 * Keep a safetensors/npy header length consistent with an edited header half of the time, so the
 * mutation reaches the header parser instead of always failing the length check.
 */
function fixLengthPrefix(original: Buffer, edited: Buffer, random: SeededRandom): Buffer {
  if (random.next() < 0.5) return edited;
  const delta = edited.length - original.length;
  const out = Buffer.from(edited);
  if (out.length >= 8 && original.subarray(0, 6).toString('latin1') === '\x93NUMPY') {
    if (out[6] === 1 && out.length >= 10) out.writeUInt16LE((original.readUInt16LE(8) + delta) & 0xffff, 8);
    else if (out.length >= 12) out.writeUInt32LE((original.readUInt32LE(8) + delta) >>> 0, 8);
  } else if (original.length >= 8 && original[8] === 0x7b /* '{' */) {
    out.writeBigUInt64LE(BigInt(Math.max(0, Number(original.readBigUInt64LE(0)) + delta)), 0);
  }
  return out;
}

/** deeply nested JSON (arrays or objects), placed as a value inside the document or as the whole of it */
const deepNesting: Mutator = (input, random) => {
  const depth = [100, 1000, 10_000, 100_000][random.int(4)];
  const open = random.next() < 0.5 ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  const nested = open.repeat(depth) + '1' + close.repeat(random.next() < 0.9 ? depth : random.int(depth));
  const text = input.toString('utf8');
  const colon = text.indexOf(':', random.int(Math.max(1, text.length)));
  if (colon < 0 || random.next() < 0.2) return Buffer.from(nested);
  const end = text.slice(colon + 1).search(/[,}\]]/);
  return Buffer.from(text.slice(0, colon + 1) + nested + (end < 0 ? '' : text.slice(colon + 1 + end)));
};

/** a huge or odd number in place of a JSON number */
const hugeJsonNumber: Mutator = (input, random) => {
  const text = input.toString('utf8');
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
  if (numbers.length === 0) return bitFlips(input, random);
  const match = numbers[random.int(numbers.length)];
  const odd = ['1e308', '1e309', '-1e309', '1e-400', '9007199254740993', '4294967297', '-0', '0.000001', '2.5', '-3', '1' + '0'.repeat(1000), '1e100000'];
  return Buffer.from(text.slice(0, match.index) + odd[random.int(odd.length)] + text.slice(match.index + match[0].length));
};

export const binaryMutators: Mutator[] = [bitFlips, interestingByte, insertBytes, deleteBytes, truncate, duplicateChunk, hugeNumber, hugeNumber, specialFloats];
export const headerMutators: Mutator[] = [...binaryMutators, textSwap, textSwap, textSwap];
export const jsonMutators: Mutator[] = [bitFlips, insertBytes, deleteBytes, truncate, duplicateChunk, textSwap, deepNesting, hugeJsonNumber, hugeJsonNumber];

/** for gzip files: mutate the decompressed bytes and compress again, so the reader behind the gzip layer is reached */
const insideGzip: Mutator = (input, random) => {
  let inner: Buffer;
  try {
    inner = gunzipSync(input, { maxOutputLength: 1 << 20 });
  } catch {
    return bitFlips(input, random);
  }
  return gzipSync(mutate(inner, binaryMutators, random));
};

export const gzipMutators: Mutator[] = [...binaryMutators, insideGzip, insideGzip, insideGzip, insideGzip, insideGzip, insideGzip, insideGzip, insideGzip, insideGzip];

/** one to three mutations in a row */
export function mutate(seed: Buffer, mutators: Mutator[], random: SeededRandom): Buffer {
  let out = seed;
  const rounds = 1 + random.int(3);
  for (let i = 0; i < rounds; i++) out = mutators[random.int(mutators.length)](out, random);
  return out;
}

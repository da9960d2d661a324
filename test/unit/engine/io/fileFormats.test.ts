// Round trips through our own writers, and one test per kind of broken file with the message it gets.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { writeFileAtomic, writeFileAtomicSync } from '../../../../engine/io/atomicWrite';
import { parseCifar } from '../../../../engine/io/cifar';
import { FileFormatError } from '../../../../engine/io/fileFormatError';
import { encodeIdxUint8, parseIdx, parseIdxFile, readIdx } from '../../../../engine/io/idx';
import { encodeNpyToBuffer, parseNpy, readNpy, writeNpySync } from '../../../../engine/io/npy';
import { encodeSafetensorsToBuffer, parseSafetensors, readSafetensors, writeSafetensors } from '../../../../engine/io/safetensors';
import { SeededRandom } from '../../../../engine/util/random';

const dir = mkdtempSync(join(tmpdir(), 'revnet-io-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** a FileFormatError naming `file` whose message matches `pattern` */
function refuses(fn: () => unknown, file: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof FileFormatError, `expected FileFormatError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.match(error.message, pattern);
    assert.ok(error.message.startsWith(`${file}: `));
    return true;
  });
}

function safetensorsWithHeader(header: unknown, data: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, data]);
}

function npyWithHeader(dict: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const header = Buffer.from(dict + '\n', 'latin1');
  const head = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(head);
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, header, data]);
}

describe('.npy round trips', () => {
  const random = new SeededRandom(7);
  const shapes = [[], [1], [5], [3, 4], [2, 3, 4], [2, 1, 3, 2, 2], [0, 3]];
  const makers = {
    float32: (n: number) => Float32Array.from({ length: n }, () => random.normal()),
    float64: (n: number) => Float64Array.from({ length: n }, () => random.normal() * 1e100),
    uint8: (n: number) => Uint8Array.from({ length: n }, () => random.int(256)),
    int32: (n: number) => Int32Array.from({ length: n }, () => random.int(2 ** 32) - 2 ** 31),
    int64: (n: number) => BigInt64Array.from({ length: n }, () => BigInt(random.int(2 ** 31)) * BigInt(random.int(2 ** 31)) - 2n ** 60n),
  };
  for (const [dtype, make] of Object.entries(makers)) {
    it(`${dtype}, ranks 0-5, versions 1.0/2.0/3.0`, () => {
      for (const shape of shapes) {
        for (const version of [1, 2, 3] as const) {
          const data = make(shape.reduce((a, b) => a * b, 1));
          const path = join(dir, `rt-${dtype}-${shape.length}-${version}.npy`);
          writeNpySync(path, { shape, data }, version);
          const bytes = readFileSync(path);
          assert.equal(bytes[6], version);
          const headerEnd = version === 1 ? 10 + bytes.readUInt16LE(8) : 12 + bytes.readUInt32LE(8);
          assert.equal(headerEnd % 64, 0, 'data starts on a 64-byte boundary');
          const back = readNpy(path);
          assert.equal(back.dtype, dtype);
          assert.deepEqual(back.shape, shape);
          assert.deepEqual(back.data, data);
        }
      }
    });
  }
});

describe('safetensors round trips', () => {
  it('float32 tensors and metadata come back; the bytes do not depend on insertion order', async () => {
    const random = new SeededRandom(3);
    const entries: [string, { shape: number[]; data: Float32Array }][] = [
      ['stage1.unit0.f.conv1.weight', { shape: [3, 3, 4, 4], data: random.normalArray(144) }],
      ['head.fc.weight', { shape: [8, 10], data: random.normalArray(80) }],
      ['head.bn.mean', { shape: [8], data: random.normalArray(8) }],
      ['scalar', { shape: [], data: Float32Array.from([Number.NaN]) }],
      ['empty', { shape: [0], data: new Float32Array(0) }],
    ];
    const metadata = { step: '12', format: 'revnet' };
    const a = encodeSafetensorsToBuffer(new Map(entries), metadata);
    const b = encodeSafetensorsToBuffer(new Map([...entries].reverse()), { format: 'revnet', step: '12' });
    assert.deepEqual(a, b);
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, new Map(entries), metadata);
    assert.deepEqual(readFileSync(path), a);
    const back = readSafetensors(path);
    assert.deepEqual(back.metadata, metadata);
    assert.deepEqual([...back.tensors.keys()].sort(), entries.map(([name]) => name).sort());
    for (const [name, tensor] of entries) {
      assert.deepEqual(back.tensors.get(name)!.shape, tensor.shape);
      assert.deepEqual(back.tensors.get(name)!.data, tensor.data);
      assert.equal(back.tensors.get(name)!.dtype, 'F32');
    }
  });

  it('bfloat16 is converted to float32', () => {
    const raw = new Uint16Array([0x3f80, 0xc040, 0x7f80]); // 1, -3, +Inf
    const file = parseSafetensors(safetensorsWithHeader({ x: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] } }, new Uint8Array(raw.buffer)));
    assert.deepEqual(Array.from(file.tensors.get('x')!.data as Float32Array), [1, -3, Infinity]);
  });
});

describe('IDX round trips', () => {
  it('uint8 images, plain and gzip', () => {
    const data = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 11) % 256);
    const plain = encodeIdxUint8([3, 4, 5], data);
    writeFileSync(join(dir, 'a-idx3'), plain);
    writeFileSync(join(dir, 'a-idx3.gz'), gzipSync(plain));
    for (const name of ['a-idx3', 'a-idx3.gz']) {
      const back = readIdx(join(dir, name));
      assert.deepEqual(back.shape, [3, 4, 5]);
      assert.deepEqual(back.data, data);
    }
  });
});

describe('atomic writes', () => {
  it('replace the file whole and leave no temporary files', async () => {
    const folder = mkdtempSync(join(dir, 'atomic-'));
    const path = join(folder, 'x.bin');
    writeFileAtomicSync(path, 'first');
    await writeFileAtomic(path, [Buffer.from('sec'), 'ond']);
    assert.equal(readFileSync(path, 'utf8'), 'second');
    assert.deepEqual(readdirSync(folder), ['x.bin']);
    // the message names the target, not the temporary file beside it
    assert.throws(() => writeFileAtomicSync(join(dir, 'no-such-folder', 'x'), 'x'), /no-such-folder\/x: cannot write \(its folder does not exist\)/);
    // a write that fails part-way leaves the old file whole and no temporary file behind
    // a number where a string belongs, so that the write fails part-way
    const bad = ['third', 42] as unknown as string[];
    assert.throws(() => writeFileAtomicSync(path, bad));
    await assert.rejects(writeFileAtomic(path, bad));
    assert.equal(readFileSync(path, 'utf8'), 'second');
    assert.deepEqual(readdirSync(folder), ['x.bin']);
  });
});

describe('broken safetensors files', () => {
  const name = 'broken.safetensors';
  const good = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const cases: [string, Buffer, RegExp][] = [
    ['shorter than the length field', Buffer.from([1, 2, 3]), /too short/],
    ['a header length larger than the file', (() => { const b = safetensorsWithHeader(good, new Uint8Array(8)); b.writeBigUInt64LE(10n ** 18n); return b; })(), /declares a 1000000000000000000-byte header .*truncated/],
    ['a header that is not JSON', Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{abc')]), /not valid UTF-8 JSON/],
    ['a header that is not an object', safetensorsWithHeader([1, 2]), /not a JSON object/],
    ['an unknown dtype', safetensorsWithHeader({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /dtype "C64"/],
    ['a shape that disagrees with the byte length', safetensorsWithHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /shape \[3\] of F32 but data_offsets span 8 bytes/],
    ['a huge shape', safetensorsWithHeader({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, new Uint8Array(8)), /data_offsets span 8 bytes/],
    ['offsets beyond the data (truncated)', safetensorsWithHeader(good, new Uint8Array(4)), /beyond the 4 bytes of data/],
    ['overlapping tensors', safetensorsWithHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /overlaps/],
    ['a gap between tensors', safetensorsWithHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12)), /gap/],
    ['data after the last tensor', safetensorsWithHeader(good, new Uint8Array(12)), /cover 8 bytes .* holds 12/],
    ['offsets that end before they begin', safetensorsWithHeader({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, new Uint8Array(8)), /end before they begin/],
    ['metadata that is not strings', safetensorsWithHeader({ __metadata__: { epoch: 3 } }), /__metadata__\["epoch"\] is not a string/],
    ['a negative dimension', safetensorsWithHeader({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, new Uint8Array(8)), /non-negative integers/],
  ];
  for (const [what, bytes, pattern] of cases) {
    it(what, () => refuses(() => parseSafetensors(bytes, name), name, pattern));
  }
  it('a missing file', () => refuses(() => readSafetensors(join(dir, 'nope.safetensors')), join(dir, 'nope.safetensors'), /cannot be read \(no such file\)/));
  it('a file over 2 GiB is refused before reading (sparse, nothing is allocated)', () => {
    const path = join(dir, 'huge.safetensors');
    writeFileSync(path, '');
    truncateSync(path, 3 * 1024 ** 3);
    try {
      refuses(() => readSafetensors(path), path, /is 3221225472 bytes; files up to 2147483647 bytes/);
    } finally {
      rmSync(path);
    }
  });
  it('a folder', () => refuses(() => readNpy(dir), dir, /is not a regular file/));
});

describe('broken .npy files', () => {
  const name = 'broken.npy';
  const f4 = new Uint8Array(8);
  const cases: [string, Buffer, RegExp][] = [
    ['wrong magic', Buffer.from('PK\x03\x04 not numpy at all'), /not a \.npy file \(wrong magic/],
    ['an unknown version', (() => { const b = npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f4); b[6] = 9; return b; })(), /version 9\.0/],
    ['a header longer than the file', (() => { const b = npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"); b.writeUInt16LE(60000, 8); return b; })(), /truncated/],
    ['big-endian data', npyWithHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", f4), /big-endian/],
    ['an object array', npyWithHeader("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", f4), /object array/],
    ['Fortran order', npyWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", f4), /Fortran/],
    ['an unsupported dtype', npyWithHeader("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", f4), /dtype '<f2'/],
    ['a structured dtype', npyWithHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f4), /structured/],
    ['truncated data', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", f4), /needs more data .*truncated/],
    ['a huge declared shape', npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", f4), /needs more data/],
    ['data left over', npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f4), /needs 4 bytes but the file holds 8/],
    ['a malformed header', npyWithHeader("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", f4), /not a valid \.npy header/],
    ['a header without a shape', npyWithHeader("{'descr': '<f4', 'fortran_order': False, }", f4), /no 'shape'/],
  ];
  for (const [what, bytes, pattern] of cases) {
    it(what, () => refuses(() => parseNpy(bytes, name), name, pattern));
  }
  it('the encoder refuses data that does not fit the shape', () => {
    assert.throws(() => encodeNpyToBuffer({ shape: [2, 2], data: new Float32Array(3) }), /holds 4 values but the data has 3/);
  });
});

describe('broken IDX files', () => {
  const name = 'broken-idx';
  const header = (type: number, dims: number[]) => Buffer.concat([Buffer.from([0, 0, type, dims.length]), ...dims.map((d) => { const b = Buffer.alloc(4); b.writeUInt32BE(d); return b; })]);
  const cases: [string, Buffer, RegExp][] = [
    ['wrong magic', Buffer.from([0x50, 0x4b, 8, 1, 0, 0, 0, 0]), /not an IDX file \(magic bytes 0x50 0x4B/],
    ['an unknown type code', header(0x42, [1]), /type code 0x42/],
    ['rank 0', Buffer.from([0, 0, 8, 0]), /rank 0/],
    ['truncated inside the dimensions', header(8, [3, 28, 28]).subarray(0, 10), /ends inside them/],
    ['declared size larger than the file', Buffer.concat([header(8, [60000, 28, 28]), Buffer.alloc(784)]), /declares shape \[60000, 28, 28\] of uint8 \(47040000 bytes\) but holds only 784/],
    ['a huge declared size', Buffer.concat([header(0x0e, [0xffffffff, 0xffffffff, 0xffffffff]), Buffer.alloc(16)]), /more than the file/],
    ['extra bytes', Buffer.concat([header(8, [2]), Buffer.alloc(5)]), /3 extra/],
  ];
  for (const [what, bytes, pattern] of cases) {
    it(what, () => refuses(() => parseIdx(bytes, name), name, pattern));
  }
  it('corrupt gzip', () => refuses(() => parseIdxFile(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6]), 'x.gz'), 'x.gz', /not valid gzip/));
  it('gzip that inflates beyond the bound', () => {
    const bomb = gzipSync(Buffer.concat([header(8, [1 << 20]), Buffer.alloc(1 << 20)]));
    refuses(() => parseIdxFile(bomb, 'bomb.gz', 1 << 16), 'bomb.gz', /decompresses to more than 65536 bytes/);
  });
  it('a gzip file truncated in the middle', () => {
    const gz = gzipSync(Buffer.concat([header(8, [4096]), Buffer.alloc(4096, 7)]));
    refuses(() => parseIdxFile(gz.subarray(0, gz.length - 10), 'cut.gz'), 'cut.gz', /not valid gzip/);
  });
});

describe('broken CIFAR files', () => {
  const record = (labels: number[]) => Buffer.concat([Buffer.from(labels), Buffer.alloc(3072)]);
  it('an empty file', () => refuses(() => parseCifar(new Uint8Array(0), 'cifar10', 'e.bin'), 'e.bin', /is empty/));
  it('a truncated record', () => refuses(() => parseCifar(record([1]).subarray(0, 3000), 'cifar10', 't.bin'), 't.bin', /3000 bytes, not a whole number of cifar10 records of 3073 bytes \(truncated\?\)/));
  it('a label out of range (CIFAR-10)', () => refuses(() => parseCifar(Buffer.concat([record([3]), record([10])]), 'cifar10', 'l.bin'), 'l.bin', /record 1 has label 10, outside 0-9/));
  it('a fine label out of range (CIFAR-100)', () => refuses(() => parseCifar(record([2, 100]), 'cifar100', 'f.bin'), 'f.bin', /label 100, outside 0-99/));
  it('a coarse label out of range (CIFAR-100)', () => refuses(() => parseCifar(record([20, 5]), 'cifar100', 'c.bin'), 'c.bin', /coarse label 20, outside 0-19/));
});

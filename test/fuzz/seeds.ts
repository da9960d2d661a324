// Valid seed files for each reader, built with the project's writers plus hand-made variants
// (F16/BF16 safetensors, npy versions 2.0/3.0, IDX of other element types, gzip).
import { gzipSync } from 'node:zlib';
import { presetConfig, PRESET_NAMES } from '../../engine/model/presets';
import { encodeIdxUint8 } from '../../engine/io/idx';
import { encodeNpyToBuffer } from '../../engine/io/npy';
import { encodeSafetensorsToBuffer } from '../../engine/io/safetensors';
import { SeededRandom } from '../../engine/util/random';

function safetensorsRaw(entries: [string, string, number[], Uint8Array][], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, dtype, shape, raw] of entries) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + raw.length] };
    offset += raw.length;
  }
  if (metadata) header['__metadata__'] = metadata;
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...entries.map((e) => e[3])]);
}

export function safetensorsSeeds(): Buffer[] {
  const random = new SeededRandom(11);
  return [
    encodeSafetensorsToBuffer(
      {
        'stage1.unit0.f.conv1.weight': { shape: [3, 3, 2, 2], data: random.normalArray(36) },
        'stage1.unit0.f.bn2.gamma': { shape: [2], data: Float32Array.from([1, 1]) },
        'head.fc.weight': { shape: [4, 3], data: random.normalArray(12) },
        'head.fc.bias': { shape: [3], data: new Float32Array(3) },
      },
      { format: 'revnet', epoch: '1' },
    ),
    encodeSafetensorsToBuffer({
      a: { shape: [2, 2], data: Float64Array.from([1, 2, 3, 4]) },
      b: { shape: [3], data: Int32Array.from([-1, 0, 1]) },
      c: { shape: [5], data: Uint8Array.from([1, 2, 3, 4, 5]) },
      d: { shape: [2], data: BigInt64Array.from([5n, -5n]) },
      e: { shape: [], data: Float32Array.from([0.5]) },
    }),
    safetensorsRaw(
      [
        ['h', 'F16', [4], new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x0001]).buffer)],
        ['bf', 'BF16', [2, 1], new Uint8Array(new Uint16Array([0x3f80, 0x7fc0]).buffer)],
        ['n', 'I64', [], new Uint8Array(8)],
      ],
      { format: 'pt' },
    ),
  ];
}

export function npySeeds(): Buffer[] {
  const random = new SeededRandom(12);
  return [
    encodeNpyToBuffer({ shape: [2, 3, 2], data: random.normalArray(12) }),
    encodeNpyToBuffer({ shape: [], data: Float64Array.from([Math.PI]) }, 2),
    encodeNpyToBuffer({ shape: [7], data: Uint8Array.from([0, 1, 2, 3, 254, 255, 128]) }, 3),
    encodeNpyToBuffer({ shape: [2, 2], data: Int32Array.from([1, -1, 2 ** 31 - 1, -(2 ** 31)]) }),
    encodeNpyToBuffer({ shape: [3], data: BigInt64Array.from([1n, -2n, 3n]) }),
    encodeNpyToBuffer({ shape: [1, 2, 1, 2], data: Float32Array.from([Number.NaN, Infinity, -Infinity, 0]) }),
  ];
}

export function idxPlainSeeds(): Buffer[] {
  const images = Uint8Array.from({ length: 4 * 6 * 5 }, (_, i) => (i * 13) % 256);
  const floats = Buffer.concat([Buffer.from([0, 0, 0x0d, 2, 0, 0, 0, 2, 0, 0, 0, 2]), Buffer.alloc(16)]);
  floats.writeFloatBE(1.5, 12);
  floats.writeFloatBE(Number.NaN, 16);
  const shorts = Buffer.concat([Buffer.from([0, 0, 0x0b, 1, 0, 0, 0, 3]), Buffer.from([0, 1, 0xff, 0xff, 0x80, 0])]);
  return [encodeIdxUint8([4, 6, 5], images), encodeIdxUint8([9], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 9])), floats, shorts];
}

export function idxGzipSeeds(): Buffer[] {
  return idxPlainSeeds().map((plain) => gzipSync(plain));
}

export function cifarSeeds(kind: 'cifar10' | 'cifar100'): Buffer[] {
  const labelBytes = kind === 'cifar10' ? 1 : 2;
  const records = [0, 1].map((n) => {
    const record = Buffer.alloc(labelBytes + 3072);
    if (kind === 'cifar10') record[0] = 3 + n;
    else { record[0] = 7 + n; record[1] = 42 + n; }
    for (let i = labelBytes; i < record.length; i++) record[i] = (i * 7 + n) % 256;
    return record;
  });
  return [Buffer.concat(records), records[0]];
}

export function configSeeds(): Buffer[] {
  return PRESET_NAMES.slice(0, 5).map((name) => Buffer.from(JSON.stringify(presetConfig(name), null, 2)));
}

// Files written by an independent writer (test/fixtures/write_fixtures.py, Python stdlib) read by our readers,
// and files written by our writers read by the Python reader of the same script.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCifar, readCifar } from '../../../../engine/io/cifar';
import { readIdx } from '../../../../engine/io/idx';
import { readNpy, writeNpySync } from '../../../../engine/io/npy';
import { convertPyTorchStateDict } from '../../../../engine/io/pytorchLayout';
import { readSafetensors, writeSafetensorsSync } from '../../../../engine/io/safetensors';
import { formulas, readWithPython, writePythonFixtures, type NpyReading, type PythonManifest, type SafetensorsReading } from '../../../fixtures/pythonFixtures';

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const npyFormula: Record<string, (i: number) => number | bigint> = {
  '<f4': formulas.f32, '<f8': formulas.f64, '|u1': formulas.u8, '<i4': formulas.i32, '<i8': formulas.i64,
};
const npyDtype: Record<string, string> = { '<f4': 'float32', '<f8': 'float64', '|u1': 'uint8', '<i4': 'int32', '<i8': 'int64' };

let dir = '';
let manifest: PythonManifest;
before(() => {
  ({ dir, manifest } = writePythonFixtures());
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('files from the Python stdlib writer', () => {
  it('.npy: every dtype, ranks 0-3, versions 1.0/2.0/3.0, exact values', () => {
    assert.equal(manifest.npy.length, 22);
    for (const entry of manifest.npy) {
      const array = readNpy(join(dir, entry.file));
      assert.deepEqual(array.shape, entry.shape, entry.file);
      assert.equal(array.dtype, npyDtype[entry.descr], entry.file);
      assert.equal(array.data.length, product(entry.shape), entry.file);
      for (let i = 0; i < array.data.length; i++) assert.equal(array.data[i], npyFormula[entry.descr](i), `${entry.file}[${i}]`);
    }
  });

  it('safetensors: F32, F64, U8, I32, I64, F16 (converted), a scalar and an empty tensor, metadata', () => {
    const file = readSafetensors(join(dir, 'mixed.safetensors'));
    assert.deepEqual(file.metadata, { format: 'pt', note: 'written by write_fixtures.py' });
    const expected: Record<string, (i: number) => number | bigint> = {
      'a.f32': formulas.f32, 'b.f64': formulas.f64, 'c.u8': formulas.u8, 'd.i32': formulas.i32,
      'e.i64': formulas.i64, 'f.f16': formulas.f16, 'g.scalar': (i) => formulas.f32(i + 7), 'h.empty': formulas.f32,
    };
    assert.deepEqual([...file.tensors.keys()], manifest.safetensors[0].tensors.map((t) => t.name));
    for (const spec of manifest.safetensors[0].tensors) {
      const tensor = file.tensors.get(spec.name)!;
      assert.equal(tensor.dtype, spec.dtype);
      assert.deepEqual(tensor.shape, spec.shape);
      assert.equal(tensor.data.length, product(spec.shape));
      for (let i = 0; i < tensor.data.length; i++) assert.equal(tensor.data[i], expected[spec.name](i), `${spec.name}[${i}]`);
    }
    assert.ok(file.tensors.get('f.f16')!.data instanceof Float32Array);
  });

  it('IDX plain and gzip give the formula images and labels', () => {
    const { count, height, width } = manifest.idx;
    for (const [imagesName, labelsName] of [[manifest.idx.images, manifest.idx.labels], [manifest.idx.imagesGz, manifest.idx.labelsGz]]) {
      const images = readIdx(join(dir, imagesName));
      const labels = readIdx(join(dir, labelsName));
      assert.deepEqual(images.shape, [count, height, width]);
      assert.deepEqual(labels.shape, [count]);
      for (let n = 0; n < count; n++) {
        assert.equal(labels.data[n], n % 10);
        for (let h = 0; h < height; h++) {
          for (let w = 0; w < width; w++) assert.equal(images.data[(n * height + h) * width + w], formulas.idxImage(n, h, w));
        }
      }
    }
    const floats = readIdx(join(dir, manifest.idx.floats));
    assert.equal(floats.dtype, 'float32');
    assert.deepEqual(Array.from(floats.data), [0, 1, 2, 3, 4, 5].map(formulas.f32));
  });

  it('CIFAR-10 and CIFAR-100 records become NHWC images with the right labels', () => {
    const { count } = manifest.cifar;
    const ten = readCifar(join(dir, manifest.cifar.cifar10), 'cifar10');
    const hundred = readCifar(join(dir, manifest.cifar.cifar100), 'cifar100');
    assert.equal(ten.count, count);
    assert.equal(hundred.count, count);
    for (let n = 0; n < count; n++) {
      assert.equal(ten.labels[n], n % 10);
      assert.equal(hundred.coarseLabels![n], n % 20);
      assert.equal(hundred.labels[n], (n * 7) % 100);
      for (let p = 0; p < 1024; p++) {
        for (let c = 0; c < 3; c++) {
          assert.equal(ten.images[(n * 1024 + p) * 3 + c], formulas.cifarPixel(n, c, p));
          assert.equal(hundred.images[(n * 1024 + p) * 3 + c], formulas.cifarPixel(n, c, p));
        }
      }
    }
    assert.throws(() => parseCifar(new Uint8Array(3073 * 2), 'cifar100', 'x.bin'), /not a whole number of cifar100 records.*would fit cifar10/);
  });

  it('a PyTorch state_dict (OIHW convs, BatchNorm buffers, flattened NCHW linear) converts to our names and layouts', () => {
    const file = readSafetensors(join(dir, manifest.torch.file));
    const { channels: C, height: H, width: W } = manifest.torch.flatten;
    const result = convertPyTorchStateDict(file.tensors, { flattenFeatureShape: { height: H, width: W, channels: C } });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.ignored.sort(), ['head.bn.num_batches_tracked', 'stage1.unit0.f.bn2.num_batches_tracked']);
    const specs: { name: string; shape: number[] }[] = manifest.torch.tensors;
    const indexOf = (name: string) => specs.findIndex((s) => s.name === name);
    for (const name of ['stem.conv.weight', 'stage1.unit0.f.conv1.weight', 'stage1.unit0.f.conv2.weight']) {
      const [O, I, KH, KW] = specs[indexOf(name)].shape;
      const ours = result.tensors.get(name)!;
      assert.deepEqual(ours.shape, [KH, KW, I, O]);
      for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let h = 0; h < KH; h++) for (let w = 0; w < KW; w++) {
        assert.equal(ours.data[((h * KW + w) * I + i) * O + o], formulas.torch(indexOf(name), ((o * I + i) * KH + h) * KW + w), `${name}[${h},${w},${i},${o}]`);
      }
    }
    const bnNames: [string, string][] = [['weight', 'gamma'], ['bias', 'beta'], ['running_mean', 'mean'], ['running_var', 'variance']];
    for (const prefix of ['stage1.unit0.f.bn2', 'head.bn']) {
      for (const [theirs, ours] of bnNames) {
        const index = indexOf(`${prefix}.${theirs}`);
        const tensor = result.tensors.get(`${prefix}.${ours}`)!;
        assert.deepEqual(tensor.shape, specs[index].shape);
        tensor.data.forEach((value, i) => assert.equal(value, formulas.torch(index, i)));
      }
    }
    const fcIndex = indexOf('head.fc.weight');
    const fc = result.tensors.get('head.fc.weight')!;
    assert.deepEqual(fc.shape, [H * W * C, 3]);
    for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) for (let o = 0; o < 3; o++) {
      assert.equal(fc.data[((h * W + w) * C + c) * 3 + o], formulas.torch(fcIndex, o * (C * H * W) + (c * H + h) * W + w));
    }
    result.tensors.get('head.fc.bias')!.data.forEach((value, i) => assert.equal(value, formulas.torch(indexOf('head.fc.bias'), i)));
    assert.equal(result.tensors.size, specs.length - 2);
  });
});

describe('files from our writers, read by the Python stdlib reader', () => {
  it('.npy of each dtype and rank (versions 1.0, 2.0, 3.0) and safetensors with metadata', () => {
    const out = mkdtempSync(join(tmpdir(), 'revnet-ours-'));
    try {
      const arrays = [
        { name: 'f32.npy', shape: [2, 3, 2], data: Float32Array.from({ length: 12 }, (_, i) => formulas.f32(i)) },
        { name: 'f64.npy', shape: [], data: Float64Array.from([formulas.f64(3)]) },
        { name: 'u8.npy', shape: [7], data: Uint8Array.from({ length: 7 }, (_, i) => formulas.u8(i)) },
        { name: 'i32.npy', shape: [2, 2], data: Int32Array.from({ length: 4 }, (_, i) => formulas.i32(i)) },
      ];
      arrays.forEach((a, k) => writeNpySync(join(out, a.name), a, ([1, 2, 3, 1] as const)[k]));
      const tensors = new Map([
        ['stage1.unit0.g.conv2.weight', { shape: [3, 3, 2, 2], data: Float32Array.from({ length: 36 }, (_, i) => formulas.f32(i)) }],
        ['head.fc.bias', { shape: [3], data: Float32Array.from([1.5, -2, 0.25]) }],
        ['a.first', { shape: [], data: Float32Array.from([42]) }],
      ]);
      writeSafetensorsSync(join(out, 'model.safetensors'), tensors, { epoch: '3', format: 'revnet' });
      const paths = [...arrays.map((a) => join(out, a.name)), join(out, 'model.safetensors')];
      const seen = readWithPython(paths);
      arrays.forEach((a, k) => {
        const read = seen[join(out, a.name)] as NpyReading;
        assert.deepEqual(read.shape, a.shape);
        assert.equal(read.version, [1, 2, 3, 1][k]);
        assert.deepEqual(read.values, Array.from(a.data));
      });
      const model = seen[join(out, 'model.safetensors')] as SafetensorsReading;
      assert.deepEqual(model.metadata, { epoch: '3', format: 'revnet' });
      assert.deepEqual(model.order, ['a.first', 'head.fc.bias', 'stage1.unit0.g.conv2.weight']);
      assert.equal((8 + model.headerLength) % 8, 0);
      for (const [name, tensor] of tensors) {
        assert.equal(model.tensors[name].dtype, 'F32');
        assert.deepEqual(model.tensors[name].shape, tensor.shape);
        assert.deepEqual(model.tensors[name].values, Array.from(tensor.data));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

// Data sets: the built-in digits, files of each format, the checks made before training, normalisation.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkDataset, checkDatasetFitsModel, computeNormalization, DatasetError, loadDataset, normalizeImages } from '../../../../engine/data';
import { FileFormatError } from '../../../../engine/io/fileFormatError';
import { encodeIdxUint8 } from '../../../../engine/io/idx';
import { writeNpySync } from '../../../../engine/io/npy';
import { formulas, writePythonFixtures, type PythonManifest } from '../../../fixtures/pythonFixtures';

let dir = '';
let manifest: PythonManifest;
before(() => {
  ({ dir, manifest } = writePythonFixtures());
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('built-in MNIST digits', () => {
  it('8,000 training and 2,000 test images (the last 200 of each digit), values equal to the package JSON', () => {
    const data = loadDataset({ kind: 'mnist' });
    assert.equal(data.train.count, 8000);
    assert.equal(data.test.count, 2000);
    assert.deepEqual([data.height, data.width, data.channels, data.classes], [28, 28, 1, 10]);
    const packageDir = dirname(require.resolve('mnist/package.json'));
    const raw = Array.from({ length: 10 }, (_, d) => (JSON.parse(readFileSync(join(packageDir, 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] }).data);
    const perDigit = raw.map((r) => r.length / 784);
    assert.equal(perDigit.reduce((a, b) => a + b, 0), 10000);
    const testCounts = new Array(10).fill(0);
    data.test.labels.forEach((label) => testCounts[label]++);
    assert.deepEqual(testCounts, new Array(10).fill(200));
    // every image is the package's image: k-th training image of digit d is its k-th image;
    // k-th test image of digit d is image (count_d - 200 + k)
    const seenTrain = new Array(10).fill(0);
    for (let n = 0; n < data.train.count; n++) {
      const d = data.train.labels[n];
      const k = seenTrain[d]++;
      if (k % 97 !== 0 && n > 30) continue; // spot checks keep this fast
      for (let p = 0; p < 784; p++) assert.equal(data.train.images[n * 784 + p], Math.fround(raw[d][k * 784 + p]));
    }
    assert.deepEqual(seenTrain, perDigit.map((c) => c - 200));
    assert.deepEqual(Array.from(data.train.labels.slice(0, 12)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const seenTest = new Array(10).fill(0);
    for (let n = 0; n < data.test.count; n += 7) {
      const d = data.test.labels[n];
      const k = data.test.labels.slice(0, n).filter((l) => l === d).length;
      seenTest[d]++;
      for (let p = 0; p < 784; p++) assert.equal(data.test.images[n * 784 + p], Math.fround(raw[d][(perDigit[d] - 200 + k) * 784 + p]));
    }
    assert.ok(seenTest.every((c) => c > 0));
  });
});

describe('files as data sets', () => {
  it('IDX plain and gzip, with test files', () => {
    const idx = manifest.idx;
    for (const [images, labels] of [[idx.images, idx.labels], [idx.imagesGz, idx.labelsGz]]) {
      const data = loadDataset({ kind: 'idx', images: join(dir, images), labels: join(dir, labels), testImages: join(dir, images), testLabels: join(dir, labels) });
      assert.deepEqual([data.train.count, data.test.count, data.height, data.width, data.channels, data.classes], [idx.count, idx.count, idx.height, idx.width, 1, 10]);
      for (let n = 0; n < idx.count; n++) {
        assert.equal(data.train.labels[n], n % 10);
        for (let h = 0; h < idx.height; h++) for (let w = 0; w < idx.width; w++) {
          assert.equal(data.train.images[(n * idx.height + h) * idx.width + w], Math.fround(formulas.idxImage(n, h, w) / 255));
        }
      }
    }
  });

  it('IDX without test files holds out the last sixth', () => {
    const data = loadDataset({ kind: 'idx', images: join(dir, manifest.idx.images), labels: join(dir, manifest.idx.labels) });
    assert.equal(data.train.count + data.test.count, manifest.idx.count);
    assert.equal(data.test.count, Math.round(manifest.idx.count / 6));
    assert.equal(data.test.labels[0], data.train.count % 10);
  });

  it('CIFAR-10 and CIFAR-100: NHWC in [0,1]', () => {
    for (const kind of ['cifar10', 'cifar100'] as const) {
      const file = join(dir, manifest.cifar[kind]);
      const data = loadDataset({ kind, files: [file, file], testFiles: [file] });
      assert.equal(data.train.count, 2 * manifest.cifar.count);
      assert.equal(data.classes, kind === 'cifar10' ? 10 : 100);
      const n = manifest.cifar.count + 2; // image 2 of the second file
      for (let p = 0; p < 1024; p += 37) for (let c = 0; c < 3; c++) {
        assert.equal(data.train.images[(n * 1024 + p) * 3 + c], Math.fround(formulas.cifarPixel(2, c, p) / 255));
      }
      assert.equal(data.train.labels[n], kind === 'cifar10' ? 2 : 14);
    }
  });

  it('.npy NCHW uint8 and NHWC float32 give the same images', () => {
    const [N, C, H, W] = [4, 3, 2, 5];
    const nchw = Uint8Array.from({ length: N * C * H * W }, (_, i) => (i * 7) % 256);
    const nhwc = new Float32Array(nchw.length);
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
      nhwc[((n * H + h) * W + w) * C + c] = nchw[((n * C + c) * H + h) * W + w] / 255;
    }
    writeNpySync(join(dir, 'x-nchw.npy'), { shape: [N, C, H, W], data: nchw });
    writeNpySync(join(dir, 'x-nhwc.npy'), { shape: [N, H, W, C], data: nhwc });
    writeNpySync(join(dir, 'y.npy'), { shape: [N], data: BigInt64Array.from([0n, 2n, 1n, 2n]) });
    const a = loadDataset({ kind: 'npy', images: join(dir, 'x-nchw.npy'), labels: join(dir, 'y.npy'), layout: 'NCHW', testImages: join(dir, 'x-nchw.npy'), testLabels: join(dir, 'y.npy') });
    const b = loadDataset({ kind: 'npy', images: join(dir, 'x-nhwc.npy'), labels: join(dir, 'y.npy'), testImages: join(dir, 'x-nhwc.npy'), testLabels: join(dir, 'y.npy') });
    assert.deepEqual(a.train.images, b.train.images);
    assert.deepEqual([a.height, a.width, a.channels, a.classes], [H, W, C, 3]);
    assert.deepEqual(Array.from(a.test.labels), [0, 2, 1, 2]);
  });

  it('random data is seeded', () => {
    const a = loadDataset({ kind: 'random', count: 20, seed: 5 }, { shape: { height: 4, width: 4, channels: 2 }, classes: 3 });
    const b = loadDataset({ kind: 'random', count: 20, seed: 5 }, { shape: { height: 4, width: 4, channels: 2 }, classes: 3 });
    const c = loadDataset({ kind: 'random', count: 20, seed: 6 }, { shape: { height: 4, width: 4, channels: 2 }, classes: 3 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.train.images, c.train.images);
    assert.equal(a.test.count, 5);
    assert.ok(a.train.labels.every((l) => l >= 0 && l < 3));
  });
});

describe('data refused before training', () => {
  const refuses = (fn: () => unknown, file: string, pattern: RegExp) => assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof FileFormatError, String(error));
    assert.equal(error.file, file);
    assert.match(error.message, pattern);
    return true;
  });

  it('labels and images that disagree in count', () => {
    writeFileSync(join(dir, 'img'), encodeIdxUint8([3, 2, 2], new Uint8Array(12)));
    writeFileSync(join(dir, 'lab'), encodeIdxUint8([4], new Uint8Array(4)));
    refuses(() => loadDataset({ kind: 'idx', images: join(dir, 'img'), labels: join(dir, 'lab') }), join(dir, 'lab'), /has 4 labels but .*img has 3 images/);
  });
  it('labels out of range', () => {
    writeFileSync(join(dir, 'lab3'), encodeIdxUint8([3], Uint8Array.from([1, 10, 2])));
    refuses(() => loadDataset({ kind: 'idx', images: join(dir, 'img'), labels: join(dir, 'lab3') }), join(dir, 'lab3'), /label 1 is 10, out of range \(0-9\)/);
  });
  it('test images of another shape than the training images', () => {
    writeFileSync(join(dir, 'img3'), encodeIdxUint8([3, 3, 3], new Uint8Array(27)));
    writeFileSync(join(dir, 'lab0'), encodeIdxUint8([3], new Uint8Array(3)));
    refuses(() => loadDataset({ kind: 'idx', images: join(dir, 'img'), labels: join(dir, 'lab0'), testImages: join(dir, 'img3'), testLabels: join(dir, 'lab0') }), join(dir, 'img3'), /3x3x1 but the training images .* are 2x2x1/);
  });
  it('float labels and non-finite pixels in .npy', () => {
    writeNpySync(join(dir, 'fl.npy'), { shape: [2], data: Float32Array.from([0, 1]) });
    writeNpySync(join(dir, 'im.npy'), { shape: [2, 1, 1, 1], data: Float32Array.from([0.5, Number.NaN]) });
    writeNpySync(join(dir, 'il.npy'), { shape: [2], data: Int32Array.from([0, 1]) });
    refuses(() => loadDataset({ kind: 'npy', images: join(dir, 'im.npy'), labels: join(dir, 'fl.npy') }), join(dir, 'fl.npy'), /labels are float32; expected integers/);
    refuses(() => loadDataset({ kind: 'npy', images: join(dir, 'im.npy'), labels: join(dir, 'il.npy') }), join(dir, 'im.npy'), /pixel value 1 is NaN/);
  });
  it('a CIFAR file given as the wrong kind, and a missing file', () => {
    refuses(() => loadDataset({ kind: 'cifar10', files: [join(dir, manifest.cifar.cifar100)] }), join(dir, manifest.cifar.cifar100), /not a whole number of cifar10 records/);
    refuses(() => loadDataset({ kind: 'cifar10', files: [join(dir, 'missing.bin')] }), join(dir, 'missing.bin'), /no such file/);
  });
  it('a data set that does not fit the model', () => {
    const data = loadDataset({ kind: 'random', count: 4, seed: 1 });
    assert.throws(() => checkDatasetFitsModel(data, { name: 'cifar-net', input: { height: 32, width: 32, channels: 3 }, classes: 10 }), /28x28x1 but model "cifar-net" takes 32x32x3/);
    data.train.labels[2] = 10;
    assert.throws(() => checkDataset(data), (e: unknown) => e instanceof DatasetError && e.message.includes('train split: label 2 is 10, outside 0-9'));
  });
});

describe('normalisation', () => {
  it('per-channel mean and std match a one-pass float64 computation (E[x²] − E[x]²)', () => {
    const data = loadDataset({ kind: 'random', count: 50, seed: 9 }, { shape: { height: 3, width: 5, channels: 3 } });
    for (let i = 0; i < data.train.images.length; i += 3) data.train.images[i] *= 2; // make channels differ
    const { mean, std } = computeNormalization(data.train, 3);
    for (let c = 0; c < 3; c++) {
      let sum = 0, square = 0, n = 0;
      for (let i = c; i < data.train.images.length; i += 3) { sum += data.train.images[i]; square += data.train.images[i] ** 2; n++; }
      assert.ok(Math.abs(mean[c] - sum / n) < 1e-12);
      assert.ok(Math.abs(std[c] - Math.sqrt(square / n - (sum / n) ** 2)) < 1e-9);
    }
    assert.ok(mean[0] > 0.8 && mean[1] < 0.6);
    const normalized = normalizeImages(data.train.images, { mean, std });
    const again = computeNormalization({ images: normalized, count: data.train.count }, 3);
    again.mean.forEach((m) => assert.ok(Math.abs(m) < 1e-6));
    again.std.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-5));
  });
});

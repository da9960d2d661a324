// Training-data augmentation (engine/train/augment.ts, makeBatch): moved images against the paper's own
// recipe written independently (zero padding, a crop window, a mirror), the draws' range and balance, one
// generator per (seed, step), and the option's checks and parsing.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Split } from '../../../../engine/data/types';
import { augmentationRandom, checkAugmentation, drawMove, parseAugmentation, type Augmentation } from '../../../../engine/train/augment';
import { identityOrder, makeBatch } from '../../../../engine/train/batches';
import { resolveOptions } from '../../../../engine/train/options';
import { SeededRandom } from '../../../../engine/util/random';

before(async () => {
  await tf.setBackend('cpu');
});

const shape = { height: 7, width: 9, channels: 2 };
const normalization = { mean: [0.25, -1], std: [2, 0.5] };

function split(count: number): Split {
  const random = new SeededRandom(4);
  const pixels = shape.height * shape.width * shape.channels;
  // no zero pixels, so that a filled border cannot pass for image content
  const images = Float32Array.from({ length: count * pixels }, () => 1 + random.next());
  return { images, labels: Int32Array.from({ length: count }, (_, i) => i % 10), count };
}

/** the moved image by the recipe: pad every side by `shift` zeros, take the window at (shift - dy, shift - dx), then mirror its columns */
function padCropMirror(raw: Float32Array, dy: number, dx: number, flip: boolean, shift: number): Float32Array {
  const { height, width, channels } = shape;
  const paddedWidth = width + 2 * shift;
  const padded = new Float32Array((height + 2 * shift) * paddedWidth * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) padded[((y + shift) * paddedWidth + x + shift) * channels + c] = raw[(y * width + x) * channels + c];
    }
  }
  const out = new Float32Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const column = flip ? width - 1 - x : x;
      for (let c = 0; c < channels; c++) out[(y * width + x) * channels + c] = padded[((y + shift - dy) * paddedWidth + column + shift - dx) * channels + c];
    }
  }
  return out;
}

test('each image is its pad-crop-mirror by its draw, then normalised; the labels stay with their images', () => {
  const data = split(12);
  const order = Int32Array.from([5, 0, 11, 3, 3, 7, 1, 9]);
  const pixels = shape.height * shape.width * shape.channels;
  for (const augmentation of [{ shift: 2, flip: true }, { shift: 3, flip: false }, { shift: 0, flip: true }] satisfies Augmentation[]) {
    const random = augmentationRandom(3, 17);
    const draws = SeededRandom.fromState(random.getState());
    const batch = makeBatch(data, shape, normalization, order, 1, 6, { augmentation, random });
    const images = batch.images.dataSync();
    for (let b = 0; b < 6; b++) {
      const move = drawMove(augmentation, draws);
      const index = order[1 + b];
      const expected = padCropMirror(data.images.subarray(index * pixels, (index + 1) * pixels), move.dy, move.dx, move.flip, augmentation.shift);
      for (let p = 0; p < pixels; p++) {
        const c = p % shape.channels;
        assert.equal(images[b * pixels + p], Math.fround((expected[p] - normalization.mean[c]) / normalization.std[c]), `shift ${augmentation.shift} image ${b} pixel ${p}`);
      }
      assert.equal(batch.labels.dataSync()[b], data.labels[index]);
    }
    tf.dispose([batch.images, batch.labels]);
  }
});

test('no move (shift 0, no flip) gives exactly the batch without augmentation', () => {
  const data = split(5);
  const order = identityOrder(5);
  const plain = makeBatch(data, shape, normalization, order, 0, 5);
  const still = makeBatch(data, shape, normalization, order, 0, 5, { augmentation: { shift: 0, flip: false }, random: augmentationRandom(0, 0) });
  assert.deepEqual(still.images.dataSync(), plain.images.dataSync());
  tf.dispose([plain.images, plain.labels, still.images, still.labels]);
});

test('the draws cover every shift from -N to N in both directions and flip about half the images', () => {
  const random = augmentationRandom(1, 0);
  const seen = new Map<string, number>();
  let flips = 0;
  const draws = 4000;
  for (let i = 0; i < draws; i++) {
    const move = drawMove({ shift: 2, flip: true }, random);
    seen.set(`${move.dy},${move.dx}`, (seen.get(`${move.dy},${move.dx}`) ?? 0) + 1);
    if (move.flip) flips++;
  }
  assert.equal(seen.size, 25, [...seen.keys()].join(' '));
  for (const [move, count] of seen) assert.ok(count > draws / 25 / 2, `shift ${move} drawn only ${count} times`);
  assert.ok(Math.abs(flips / draws - 0.5) < 0.05, `${flips} flips in ${draws}`);
  assert.ok(Array.from({ length: 200 }, () => drawMove({ shift: 2, flip: false }, random)).every((move) => !move.flip));
});

test('one generator per seed and step: the same pair draws the same moves, another step or seed others', () => {
  const moves = (seed: number, step: number) => Array.from({ length: 32 }, ((random) => () => drawMove({ shift: 3, flip: true }, random))(augmentationRandom(seed, step)));
  assert.deepEqual(moves(2, 40), moves(2, 40));
  assert.notDeepEqual(moves(2, 40), moves(2, 41));
  assert.notDeepEqual(moves(2, 40), moves(3, 40));
});

test('the option: parsed from the command line, checked against the images, stored only when on', () => {
  assert.deepEqual(parseAugmentation('shift=2'), { shift: 2, flip: false });
  assert.deepEqual(parseAugmentation('shift=4,flip'), { shift: 4, flip: true });
  assert.deepEqual(parseAugmentation('flip'), { shift: 0, flip: true });
  assert.deepEqual(parseAugmentation('none'), { shift: 0, flip: false });
  assert.throws(() => parseAugmentation('shift=-1'), /"shift=-1" is not shift=N or flip/);
  assert.throws(() => parseAugmentation('crop'), /"crop" is not shift=N or flip/);
  assert.doesNotThrow(() => checkAugmentation({ shift: 3, flip: true }, 7, 9));
  assert.throws(() => checkAugmentation({ shift: 4, flip: false }, 7, 9), /shift of 4 pixels would move 7x9 images out of view \(at most 3\)/);
  const base = { model: { preset: 'mnist-tiny' }, data: { kind: 'mnist' }, epochs: 1, batchSize: 8, outDir: '/tmp/x' } as const;
  assert.equal(resolveOptions({ ...base, augment: { shift: 0, flip: false } }).augment, undefined);
  assert.deepEqual(resolveOptions({ ...base, augment: { shift: 2, flip: false } }).augment, { shift: 2, flip: false });
  assert.throws(() => resolveOptions({ ...base, augment: { shift: 1.5, flip: false } }), /shift must be a whole number of pixels ≥ 0, got 1.5/);
  assert.throws(() => resolveOptions({ ...base, augment: { shift: 1, flip: 'yes' } as unknown as Augmentation }), /flip must be true or false, got "yes"/);
});

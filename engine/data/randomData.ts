// Seeded random images and labels (for smoke tests and benchmarks; nothing to learn).
import { SeededRandom } from '../util/random';
import type { Dataset, LoadOptions, Split } from './types';
import { UNLIMITED } from './dataBudget';
import { CHUNK } from './convert';
import { runToEnd, type Stepwise } from '../util/stepwise';

function* randomSplit(random: SeededRandom, count: number, pixels: number, classes: number): Stepwise<Split> {
  const images = new Float32Array(count * pixels);
  for (let start = 0; start < images.length; start += CHUNK) {
    const end = Math.min(images.length, start + CHUNK);
    for (let i = start; i < end; i++) images[i] = random.next();
    yield;
  }
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = random.int(classes);
  return { images, labels, count };
}

/** `count` training images and ceil(count/4) test images. */
export function loadRandomDataset(count: number, seed = 0, options: LoadOptions = {}, budget = UNLIMITED()): Dataset {
  return runToEnd(randomDatasetSteps(count, seed, options, budget));
}

/** loadRandomDataset, yielding after every CHUNK values made */
export function* randomDatasetSteps(count: number, seed = 0, options: LoadOptions = {}, budget = UNLIMITED()): Stepwise<Dataset> {
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`random data: count must be a positive integer, got ${count}`);
  const { height, width, channels } = options.shape ?? { height: 28, width: 28, channels: 1 };
  const classes = options.classes ?? 10;
  const random = new SeededRandom(seed);
  const pixels = height * width * channels;
  const testCount = Math.ceil(count / 4);
  // float32 images and int32 labels of both splits
  budget.take((count + testCount) * (pixels + 1) * 4, `making random data (${count} + ${testCount} images of ${height}x${width}x${channels})`);
  const train = yield* randomSplit(random, count, pixels, classes);
  const test = yield* randomSplit(random, Math.ceil(count / 4), pixels, classes);
  return { name: `random (${count}, seed ${seed})`, train, test, classes, height, width, channels };
}

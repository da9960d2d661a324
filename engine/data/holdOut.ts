// When no test files are given, the last part of the training data becomes the test split.
import type { Split } from './types';

export const DEFAULT_HOLD_OUT = 1 / 6;

export function holdOut(split: Split, pixelsPerImage: number, fraction = DEFAULT_HOLD_OUT, source = 'the data'): { train: Split; test: Split } {
  if (split.count < 2) throw new Error(`${source}: cannot hold out a test split from ${split.count} image(s); give test files`);
  const testCount = Math.min(split.count - 1, Math.max(1, Math.round(split.count * fraction)));
  const trainCount = split.count - testCount;
  return {
    train: {
      images: split.images.slice(0, trainCount * pixelsPerImage),
      labels: split.labels.slice(0, trainCount),
      count: trainCount,
    },
    test: {
      images: split.images.slice(trainCount * pixelsPerImage),
      labels: split.labels.slice(trainCount),
      count: testCount,
    },
  };
}

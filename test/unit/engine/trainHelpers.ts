// Small models and data sets for the training tests: 8x8 one-channel images, 3 classes,
// a squeeze stem and two reversible units, so that a step takes milliseconds on the cpu backend.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset, Split } from '../../../engine/data/types';
import type { RevNetConfig } from '../../../engine/model/config';
import { SeededRandom } from '../../../engine/util/random';

export const TINY_CONFIG: RevNetConfig = {
  name: 'tiny-test',
  input: { height: 8, width: 8, channels: 1 },
  classes: 3,
  stem: { kind: 'squeeze' },
  stages: [{ units: 2, channels: 4, residual: 'basic', width: 4, downsample: 'none' }],
  head: { pool: 'flatten' },
};

export function tempFolder(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `revnet-${prefix}-`));
}

export function writeTinyConfig(folder: string): string {
  const path = join(folder, 'tiny.revnet.json');
  writeFileSync(path, JSON.stringify(TINY_CONFIG, null, 2));
  return path;
}

/** Images whose class is the brightest of three horizontal bands, plus noise: learnable, deterministic. */
function split(count: number, seed: number): Split {
  const random = new SeededRandom(seed);
  const images = new Float32Array(count * 64);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = random.int(3);
    labels[i] = label;
    for (let y = 0; y < 8; y++) {
      const band = Math.min(2, Math.floor(y / 3));
      for (let x = 0; x < 8; x++) images[i * 64 + y * 8 + x] = Math.min(1, (band === label ? 0.7 : 0.1) + 0.3 * random.next());
    }
  }
  return { images, labels, count };
}

export function tinyDataset(trainCount = 48, testCount = 24): Dataset {
  return { name: 'tiny bands', train: split(trainCount, 11), test: split(testCount, 12), classes: 3, height: 8, width: 8, channels: 1 };
}

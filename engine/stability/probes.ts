// Out-of-distribution probe batches made from an in-distribution batch (NHWC, float32), each the same size:
// where Behrmann et al. (2021) saw inverses fail first. Seeded, so the same data gives the same probes.
import type { ProbeName } from '../../protocol/stabilityReport';
import { SeededRandom } from '../util/random';

export const PROBE_NAMES: readonly ProbeName[] = ['gaussian', 'scaled-2', 'scaled-5', 'uniform', 'interpolation'];

export const PROBE_DESCRIPTIONS: Record<ProbeName, string> = {
  gaussian: 'Gaussian noise with the data’s per-channel mean and std',
  'scaled-2': 'the data ×2',
  'scaled-5': 'the data ×5',
  uniform: 'uniform noise over the data’s range [min, max]',
  interpolation: 'midpoints of consecutive samples, (x_i + x_{i+1}) / 2',
};

/** per-channel mean and std, and overall min and max, of NHWC data */
export function dataMoments(data: Float32Array, channels: number): { mean: number[]; std: number[]; min: number; max: number } {
  const mean = new Array<number>(channels).fill(0);
  const square = new Array<number>(channels).fill(0);
  let min = Infinity;
  let max = -Infinity;
  const count = data.length / channels;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    mean[i % channels] = (mean[i % channels]) + v / count;
    square[i % channels] = (square[i % channels]) + (v * v) / count;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const std = mean.map((m, c) => Math.sqrt(Math.max(0, (square[c]) - m * m)));
  return { mean, std, min, max };
}

export function makeProbe(name: ProbeName, data: Float32Array, shape: readonly [number, number, number, number], seed: number): Float32Array {
  const [n, h, w, c] = shape;
  const random = new SeededRandom(seed);
  const out = new Float32Array(data.length);
  switch (name) {
    case 'gaussian': {
      const { mean, std } = dataMoments(data, c);
      for (let i = 0; i < out.length; i++) out[i] = (mean[i % c]) + (std[i % c]) * random.normal();
      return out;
    }
    case 'scaled-2':
    case 'scaled-5': {
      const factor = name === 'scaled-2' ? 2 : 5;
      for (let i = 0; i < out.length; i++) out[i] = (data[i]) * factor;
      return out;
    }
    case 'uniform': {
      const { min, max } = dataMoments(data, c);
      for (let i = 0; i < out.length; i++) out[i] = min + (max - min) * random.next();
      return out;
    }
    case 'interpolation': {
      const size = h * w * c;
      for (let b = 0; b < n; b++) {
        const other = ((b + 1) % n) * size;
        for (let k = 0; k < size; k++) out[b * size + k] = 0.5 * ((data[b * size + k]) + (data[other + k]));
      }
      return out;
    }
  }
}

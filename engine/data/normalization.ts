// Per-channel mean and standard deviation of a split (stored with a trained model as `normalization`).

export interface Normalization {
  mean: number[];
  std: number[];
}

/** Population statistics over every pixel of every image, accumulated in float64. A zero std becomes 1. */
export function computeNormalization(split: { images: Float32Array; count: number }, channels: number): Normalization {
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  const values = split.images.length / channels;
  for (let i = 0; i < split.images.length; i++) sums[i % channels] += split.images[i];
  const mean = Array.from(sums, (sum) => sum / values);
  for (let i = 0; i < split.images.length; i++) {
    const d = split.images[i] - mean[i % channels];
    squares[i % channels] += d * d;
  }
  const std = Array.from(squares, (square) => Math.sqrt(square / values) || 1);
  return { mean, std };
}

/** (x - mean) / std per channel, into a new array. */
export function normalizeImages(images: Float32Array, normalization: Normalization): Float32Array {
  const channels = normalization.mean.length;
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const c = i % channels;
    out[i] = (images[i] - normalization.mean[c]) / normalization.std[c];
  }
  return out;
}

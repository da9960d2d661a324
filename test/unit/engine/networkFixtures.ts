// Small configs and helpers shared by the model, inversion, backprop, memory and leak tests.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../engine/backend';
import type { RevNetConfig } from '../../../engine/model/config';
import type { RevNet } from '../../../engine/model/network';
import { SeededRandom } from '../../../engine/util/random';

/** built only from invertible pieces, like the digit presets: squeeze stem, squeeze transition */
export const squeezeOnlyConfig: RevNetConfig = {
  name: 'test-squeeze',
  input: { height: 8, width: 8, channels: 1 },
  classes: 3,
  stem: { kind: 'squeeze' },
  stages: [
    { units: 2, channels: 4, residual: 'basic', downsample: 'none' },
    { units: 2, channels: 16, residual: 'basic', width: 4, downsample: 'squeeze' },
  ],
  head: { pool: 'global-average' },
};

/** the paper's pattern: conv stem, strided transitions (basic and bottleneck), flatten head with a hidden layer */
export const stridedConfig: RevNetConfig = {
  name: 'test-strided',
  input: { height: 8, width: 8, channels: 3 },
  classes: 4,
  stem: { kind: 'conv', channels: 8 },
  stages: [
    { units: 2, channels: 8, residual: 'basic', downsample: 'none' },
    { units: 2, channels: 16, residual: 'basic', downsample: 'strided' },
    { units: 2, channels: 32, residual: 'bottleneck', downsample: 'strided' },
  ],
  head: { pool: 'flatten', hidden: 6 },
};

/**
 * every convention that changes results without changing shapes, set away from its default (PyTorch's choices,
 * a memcnn-style leading BatchNorm-ReLU in the first F, and an unusual epsilon and momentum)
 */
export const pytorchConventionsConfig: RevNetConfig = {
  name: 'test-pytorch-conventions',
  input: { height: 8, width: 8, channels: 1 },
  classes: 3,
  stem: { kind: 'squeeze' },
  stages: [
    { units: 2, channels: 4, residual: 'basic', downsample: 'none' },
    { units: 2, channels: 16, residual: 'basic', width: 4, downsample: 'squeeze' },
  ],
  head: { pool: 'flatten' },
  batchNorm: { momentum: 0.8, epsilon: 1e-3, runningVariance: 'unbiased' },
  conventions: { squeezeOrder: 'pixel-unshuffle', firstUnitBatchNorm: true },
};

/** the backend these tests run on: REVNET_TEST_BACKEND (cpu or wasm), wasm (the product's default) unless told */
export const testBackend = process.env['REVNET_TEST_BACKEND'] ?? 'wasm';

export async function useTestBackend(): Promise<void> {
  if (testBackend !== 'cpu' && testBackend !== 'wasm') throw new Error(`REVNET_TEST_BACKEND must be cpu or wasm, got ${testBackend}`);
  await initBackend(testBackend);
  if (tf.getBackend() !== testBackend) throw new Error(`asked for backend ${testBackend}, running ${tf.getBackend()}`);
}

export function randomImages(config: RevNetConfig, batch: number, seed: number): tf.Tensor4D {
  const { height, width, channels } = config.input;
  const random = new SeededRandom(seed);
  return tf.tensor4d(random.normalArray(batch * height * width * channels), [batch, height, width, channels]);
}

export function randomLabels(config: RevNetConfig, batch: number, seed: number): tf.Tensor1D {
  const random = new SeededRandom(seed);
  return tf.tensor1d(Array.from({ length: batch }, () => random.int(config.classes)), 'int32');
}

export function maxAbs(a: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** ||a - b|| / ||b|| and the cosine of the angle between a and b, in float64 on the host */
export function compareVectors(a: tf.Tensor, b: tf.Tensor): { relErr: number; cosine: number } {
  const x = a.dataSync();
  const y = b.dataSync();
  let dot = 0, xx = 0, yy = 0, dd = 0;
  for (let i = 0; i < x.length; i++) {
    const p = x[i], q = y[i];
    dot += p * q; xx += p * p; yy += q * q; dd += (p - q) * (p - q);
  }
  const cosine = xx === 0 && yy === 0 ? 1 : dot / Math.sqrt(xx * yy);
  return { relErr: yy === 0 ? Math.sqrt(dd) : Math.sqrt(dd / yy), cosine };
}

/** digit-sized and fully invertible like mnist-small, but narrow enough to train a few steps on cpu in a second */
export const mnistLikeConfig: RevNetConfig = {
  name: 'test-mnist-like',
  input: { height: 28, width: 28, channels: 1 },
  classes: 10,
  stem: { kind: 'squeeze' },
  stages: [
    { units: 2, channels: 4, residual: 'basic', width: 8, downsample: 'none' },
    { units: 2, channels: 16, residual: 'basic', width: 16, downsample: 'squeeze' },
  ],
  head: { pool: 'flatten', hidden: 16 },
};

/** one plain SGD update of the network's parameters */
export function sgd(net: RevNet, grads: Map<string, tf.Tensor>, lr: number): void {
  for (const [name, grad] of grads) {
    const v = net.weights.params.get(name) as tf.Variable;
    tf.tidy(() => v.assign(tf.sub(v, tf.mul(grad, lr))));
  }
}

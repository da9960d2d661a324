// The four steps of training-mode BatchNorm (with the ReLU that follows it) that touch every value, in two
// forms with one meaning: our kernels (engine/backend/kernels/batchNormKernels.ts, a pass or two each, on wasm
// and cpu) and the same computation in TensorFlow.js ops (every other backend, and the tests' reference).
import * as tf from '@tensorflow/tfjs-core';
import {
  BATCH_NORM_GRAD_INPUT,
  BATCH_NORM_GRAD_SUMS,
  BATCH_NORM_MOMENTS,
  BATCH_NORM_NORMALIZE,
  type ReluAttrs,
} from '../backend/kernels/batchNormKernels';
import { channelAffine, channelSum } from './channelOps';

export interface Coefficients {
  a: tf.Tensor1D;
  b: tf.Tensor1D;
  c: tf.Tensor1D;
}

export interface BatchNormBackward {
  sumD: tf.Tensor1D;
  sumDXHat: tf.Tensor1D;
  dx: tf.Tensor4D;
}

export interface BatchNormOps {
  /** per channel over N, H, W: the mean and the biased variance (about the float32 mean) */
  moments(x: tf.Tensor4D): { mean: tf.Tensor1D; variance: tf.Tensor1D };
  /** x̂ = (x - mean)·invStd, and y = x̂·γ + β, through the ReLU if `relu` */
  normalize(x: tf.Tensor4D, mean: tf.Tensor1D, invStd: tf.Tensor1D, gamma: tf.Tensor, beta: tf.Tensor, relu: boolean): { xHat: tf.Tensor4D; y: tf.Tensor4D };
  /**
   * the backward pass, with d = dy·step(y) (d = dy without a ReLU): Σd and Σd·x̂ per channel, then
   * dx = (d·a + c) + x̂·b with the coefficients `coefficients` makes of the two sums (or of the whole batch's)
   */
  backward(dy: tf.Tensor4D, y: tf.Tensor4D, xHat: tf.Tensor4D, relu: boolean, coefficients: (sumD: tf.Tensor1D, sumDXHat: tf.Tensor1D) => Coefficients): BatchNormBackward;
}

const attrs = (relu: boolean): tf.NamedAttrMap => ({ relu } satisfies ReluAttrs);
const run = (kernelName: string, inputs: tf.NamedTensorMap, relu = false): tf.Tensor | tf.Tensor[] => tf.engine().runKernel(kernelName, inputs, attrs(relu));

export const kernelBatchNormOps: BatchNormOps = {
  moments(x) {
    const [mean, variance] = run(BATCH_NORM_MOMENTS, { x }) as tf.Tensor1D[];
    return { mean, variance };
  },
  normalize(x, mean, invStd, gamma, beta, relu) {
    const [xHat, y] = run(BATCH_NORM_NORMALIZE, { x, mean, invStd, gamma, beta }, relu) as tf.Tensor4D[];
    return { xHat, y };
  },
  backward(dy, y, xHat, relu, coefficients) {
    const [sumD, sumDXHat] = run(BATCH_NORM_GRAD_SUMS, { dy, y, xHat }, relu) as tf.Tensor1D[];
    const { a, b, c } = coefficients(sumD, sumDXHat);
    return { sumD, sumDXHat, dx: run(BATCH_NORM_GRAD_INPUT, { dy, y, xHat, a, b, c }, relu) as tf.Tensor4D };
  },
};

export const composedBatchNormOps: BatchNormOps = {
  moments(x) {
    const count = x.size / x.shape[3];
    const mean = tf.div<tf.Tensor1D>(channelSum(x), count);
    const centered = channelAffine(x, tf.onesLike(mean), tf.neg(mean));
    return { mean, variance: tf.div<tf.Tensor1D>(channelSum(tf.square(centered)), count) };
  },
  normalize(x, mean, invStd, gamma, beta, relu) {
    const xHat = channelAffine(channelAffine(x, tf.onesLike(mean), tf.neg(mean)), invStd);
    const scaled = channelAffine(xHat, gamma, beta);
    return { xHat, y: relu ? tf.relu(scaled) : scaled };
  },
  backward(dy, y, xHat, relu, coefficients) {
    const d = relu ? tf.mul<tf.Tensor4D>(dy, tf.step(y)) : dy;
    const [sumD, sumDXHat] = [channelSum(d), channelSum(tf.mul(d, xHat))];
    const { a, b, c } = coefficients(sumD, sumDXHat);
    return { sumD, sumDXHat, dx: tf.add(channelAffine(d, a, c), channelAffine(xHat, b)) };
  },
};

/** our kernels where the backend has them, else TensorFlow.js ops */
export function batchNormOps(): BatchNormOps {
  return (tf.getKernel(BATCH_NORM_MOMENTS, tf.getBackend()) as tf.KernelConfig | undefined) !== undefined ? kernelBatchNormOps : composedBatchNormOps;
}
